import { parseUpdateEipArgs } from "./args";
import { exitCodeFor, exitCodes } from "../../exit-codes";
import { errorText, oneLine } from "../../log";

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseUpdateEipArgs(argv);
  } catch (e) {
    // A typo in haresources shows only here: in syslog too, not just in Heartbeat's debug log.
    const log = (await import("../../session/ports")).openLogger("aws-ha-updateeip", { logFormat: "text", verbose: false }, process.env);
    log.error(`${errorText(e)}; see aws-ha-updateeip --help`);
    await log.close();
    return exitCodeFor(e);
  }
  if (parsed.kind === "help") {
    process.stdout.write(`${(await import("./help")).updateEipHelp}\n`);
    return exitCodes.ok;
  }
  if (parsed.kind === "unimplemented") {
    process.stderr.write(`aws-ha-updateeip: ${parsed.action} is not implemented: an Elastic IP has nothing to reload; use restart\n`);
    return exitCodes.unimplemented;
  }
  if (parsed.kind === "version") {
    process.stdout.write(`${__AWS_HA_VERSION__}\n`);
    return exitCodes.ok;
  }
  return (await import("./run")).runUpdateEip(parsed.args, process.env);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`aws-ha-updateeip: ${oneLine(errorText(e))}\n`);
    process.exitCode = exitCodes.failed;
  },
);
