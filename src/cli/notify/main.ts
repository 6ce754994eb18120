import { parseNotifyArgs } from "./args";
import { exitCodeFor, exitCodes } from "../../exit-codes";
import { isDetachedWorker, runDetached, survivePipeLoss } from "./detach";
import { errorText, oneLine } from "../../log";
import { isOcfInvocation } from "./ocf-detect";

// Kept small: --help and argument errors answer without loading the AWS SDK.
async function main(argv: string[]): Promise<number> {
  if (isOcfInvocation(process.env, argv)) return (await import("./ocf")).runOcf(argv[0], process.env);
  let parsed;
  try {
    parsed = parseNotifyArgs(argv);
  } catch (e) {
    const { notifyUsage } = await import("./help");
    process.stderr.write(
      `aws-ha-notify: ${oneLine(errorText(e))}\n\n${notifyUsage}\n\nRun aws-ha-notify --help for options, exit codes and examples.\n`,
    );
    return exitCodeFor(e);
  }
  const { command, options } = parsed;
  if (command.kind === "help") {
    process.stdout.write(`${(await import("./help")).notifyHelp}\n`);
    return exitCodes.ok;
  }
  if (command.kind === "version") {
    process.stdout.write(`${__AWS_HA_VERSION__}\n`);
    return exitCodes.ok;
  }
  const isStop = command.kind === "transition" && /^(stop|deleted)$/i.test(command.transition.cause);
  if (isStop && !options.dryRun && !isDetachedWorker(process.env)) return runDetached(argv);
  if (isDetachedWorker(process.env)) survivePipeLoss();
  // The SDK inside this file is pinned; its notice about future SDK releases needing a newer Node
  // would open the output of every show, check and status with seven lines that are not ours.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  if (command.kind === "serve") {
    const { serveEvents } = await import("./serve");
    const { clusterPath } = await import("../../cluster/load");
    const descriptionPath = clusterPath(options.cluster, process.env);
    return serveEvents({ descriptionPath, logFormat: options.logFormat, verbose: options.verbose, env: process.env }).catch(
      (e: unknown) => {
        process.stderr.write(`aws-ha-notify serve: ${oneLine(errorText(e))}\n`);
        return exitCodeFor(e);
      },
    );
  }
  const { runNotify } = await import("./run");
  return runNotify(command, options, process.env);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`aws-ha-notify: ${oneLine(errorText(e))}\n`);
    process.exitCode = exitCodes.failed;
  },
);
