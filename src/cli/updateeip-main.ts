import { parseUpdateEipArgs } from "./updateeip-args";
import { exitCodeFor, exitCodes } from "./exit-codes";
import { errorText } from "../log";

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseUpdateEipArgs(argv);
  } catch (e) {
    process.stderr.write(`aws-ha-updateeip: ${errorText(e)}\nRun aws-ha-updateeip --help for usage.\n`);
    return exitCodeFor(e);
  }
  if (parsed.kind === "help") {
    process.stdout.write(`${(await import("./updateeip-help")).updateEipHelp}\n`);
    return exitCodes.ok;
  }
  if (parsed.kind === "version") {
    process.stdout.write(`${__AWS_HA_VERSION__}\n`);
    return exitCodes.ok;
  }
  return (await import("./updateeip-run")).runUpdateEip(parsed.args, process.env);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`aws-ha-updateeip: ${errorText(e)}\n`);
    process.exitCode = exitCodes.failed;
  },
);
