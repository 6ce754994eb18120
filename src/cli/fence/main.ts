import { fenceExitCodes } from "../../exit-codes";
import { errorText, oneLine } from "../../log";
import { parseArgvOptions, parseStdinOptions, type FenceInvocation } from "./args";
import { fenceMetadata } from "./metadata";
import { agentName } from "./parameters";

// fence_aws_ha's front end: the options from the command line, else from stdin (Pacemaker's way).
// metadata and --help answer without loading the AWS SDK: Pacemaker asks for metadata whenever it
// registers the device, and pcs on every describe.

/** Pacemaker closes stdin after the options; a writer that never does must not hang fencing. */
const stdinLimitMs = 10_000;
const stdinLimitBytes = 64 * 1024;

async function main(argv: string[]): Promise<number> {
  let invocation: FenceInvocation;
  try {
    if (argv.length === 0 && process.stdin.isTTY) {
      process.stderr.write(
        `${agentName}: no options: pass them on the command line (see ${agentName} --help) or as key=value lines on stdin\n`,
      );
      return fenceExitCodes.failed;
    }
    invocation = argv.length > 0 ? parseArgvOptions(argv) : parseStdinOptions(await readStdin());
  } catch (e) {
    const { openLogger } = await import("../../session/ports");
    const log = openLogger(agentName, { logFormat: "text", verbose: false }, process.env);
    log.error(errorText(e));
    await log.close();
    return fenceExitCodes.failed;
  }
  if (invocation.kind === "help") {
    process.stdout.write(`${(await import("./help")).fenceHelp}\n`);
    return fenceExitCodes.success;
  }
  if (invocation.kind === "version") {
    process.stdout.write(`${__AWS_HA_VERSION__}\n`);
    return fenceExitCodes.success;
  }
  if (invocation.request.action === "metadata") {
    process.stdout.write(fenceMetadata());
    return fenceExitCodes.success;
  }
  return (await import("./run")).runFence(invocation.request, invocation.warnings, process.env);
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => {
      process.stdin.destroy();
      reject(new Error(`stdin was not closed within ${stdinLimitMs / 1000} s`));
    }, stdinLimitMs);
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk: string) => {
      text += chunk;
      if (text.length > stdinLimitBytes) {
        clearTimeout(timer);
        process.stdin.destroy();
        reject(new Error(`more than ${stdinLimitBytes} bytes of options on stdin`));
      }
    });
    process.stdin.on("end", () => {
      clearTimeout(timer);
      resolve(text);
    });
    process.stdin.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`${agentName}: ${oneLine(errorText(e))}\n`);
    process.exitCode = fenceExitCodes.failed;
  },
);
