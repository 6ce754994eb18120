import { AwsHaError, ConfigError } from "../../errors";
import { genExitCodeFor, genExitCodes as exitCodes } from "../../exit-codes";
import { oneLine } from "../../log";
import { genParser, type GenArgs } from "./commands";
import type { GenCommandName } from "./help";
import type { GenIo } from "./run";

// Kept small: --help, --version and usage errors answer without loading the description's parser,
// the schema or the template engine; the subcommands load them when they run.

async function run(command: GenCommandName, args: GenArgs): Promise<void> {
  const io: GenIo = { env: process.env, print: (text) => void process.stdout.write(text) };
  if (command === "init") return (await import("./init")).runInit(args as never, io);
  const gen = await import("./run");
  const runners = {
    validate: gen.runValidate,
    keepalived: gen.runKeepalived,
    heartbeat: gen.runHeartbeat,
    "iam-policy": gen.runIamPolicy,
    pacemaker: gen.runPacemaker,
    all: gen.runAll,
  } as const;
  runners[command](args as never, io);
}

/**
 * A description problem prints as the list of places it names (each line escaped by ConfigError);
 * anything else as one line. Messages quote words from outside — arguments, paths, the system's
 * own error text — so each is escaped and bounded here, whoever made it.
 */
function report(e: unknown): number {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.describe()}\n`);
    return exitCodes.badInput;
  }
  if (e instanceof AwsHaError) {
    const hint = e.kind === "usage" ? "\nRun aws-ha-gen --help (or aws-ha-gen COMMAND --help) for the options." : "";
    process.stderr.write(`aws-ha-gen: ${oneLine(e.describe())}${hint}\n`);
    return genExitCodeFor(e);
  }
  process.stderr.write(`aws-ha-gen: ${oneLine(e instanceof Error ? e.message : String(e))}\n`);
  return exitCodes.failed;
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    // yargs throws its usage errors synchronously and a handler's errors as a rejection.
    await genParser(argv, run).parseAsync();
    return exitCodes.ok;
  } catch (e) {
    return report(e);
  }
}

void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
