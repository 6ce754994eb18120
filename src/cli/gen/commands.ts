import yargs, { type Argv, type Options } from "yargs";
import { usageError } from "../../errors";
import { oneLine, quoted } from "../../log";
import { commandHelp, genEpilogue, genUsage, optionHelp, type GenCommandName } from "./help";

// The subcommands and their options. Parsing only: each handler hands its arguments to `run`, which
// loads the renderers on demand, so `--help` and a usage error never load the description's parser,
// the schema or the template engine.

export type GenArgs = Record<string, unknown>;
export type GenRunner = (command: GenCommandName, args: GenArgs) => Promise<void>;

const cluster: Options = { type: "string", describe: optionHelp.cluster, requiresArg: true };
const nodeCluster: Options = { type: "string", describe: optionHelp.nodeCluster, requiresArg: true };
const secrets: Options = { type: "string", describe: optionHelp.secrets, requiresArg: true };
const node: Options = { type: "string", describe: optionHelp.node, demandOption: true, requiresArg: true };
const region: Options = { type: "string", describe: optionHelp.region, requiresArg: true };
const account: Options = { type: "string", describe: optionHelp.account, requiresArg: true };
const role: Options = { type: "string", describe: optionHelp.role, requiresArg: true };
const trust: Options = { type: "boolean", default: false, describe: optionHelp.trust };
const outDir: Options = { type: "string", describe: "output directory (made when missing)", demandOption: true, requiresArg: true };
const fenceAgent: Options = { type: "string", describe: optionHelp.fenceAgent, choices: ["fence_aws_ha", "fence_aws"], requiresArg: true };
const outFile = (what: string): Options => ({ type: "string", describe: `write ${what} to FILE instead of stdout`, requiresArg: true });

export function genParser(argv: readonly string[], run: GenRunner): Argv {
  const command = (name: GenCommandName, options: Record<string, Options>) =>
    [
      name,
      commandHelp[name].describe,
      (y: Argv) =>
        commandHelp[name].examples.reduce(
          (acc, [cmd, meaning]) => acc.example(cmd, meaning),
          y.usage(`${commandHelp[name].synopsis}\n\n${commandHelp[name].describe}`).options(options),
        ),
      (args: GenArgs) => run(name, onceEach(args, options)),
    ] as const;

  return yargs([...argv])
    .scriptName("aws-ha-gen")
    .usage(genUsage)
    .command(
      ...command("init", {
        out: outFile("the example"),
        force: { type: "boolean", default: false, describe: "overwrite an existing FILE" },
      }),
    )
    .command(...command("validate", { cluster }))
    .command(...command("keepalived", { node, cluster, out: outFile("keepalived.conf"), secrets, "node-cluster": nodeCluster }))
    .command(...command("heartbeat", { node, out: outDir, cluster, secrets, "node-cluster": nodeCluster }))
    .command(...command("iam-policy", { cluster, region, account, role, trust }))
    .command(
      ...command("pacemaker", { cluster, region, out: outFile("the script"), "node-cluster": nodeCluster, "fence-agent": fenceAgent }),
    )
    .command(...command("all", { out: outDir, cluster, secrets, "node-cluster": nodeCluster, region, account }))
    .example(Object.values(commandHelp).map(({ examples }) => [...examples[0]!]))
    .demandCommand(1, "name a command: init, validate, keepalived, heartbeat, iam-policy, pacemaker or all")
    .recommendCommands()
    .strict()
    .help()
    .alias("h", "help")
    .version(__AWS_HA_VERSION__)
    .epilogue(genEpilogue)
    .wrap(null)
    .exitProcess(false)
    .fail((message, error) => {
      // A handler's own error passes through; yargs' own (a YError, or just a message) means the
      // arguments were wrong.
      if (error && error.name !== "YError") throw error;
      const text = message ?? error?.message ?? "bad arguments";
      // yargs' suggestion alone does not say what was wrong.
      const typed = argv.find((a) => !a.startsWith("-")) ?? "";
      const said = text.startsWith("Did you mean")
        ? `unknown command ${quoted(typed)}; did you mean${text.slice("Did you mean".length)}`
        : text;
      // yargs repeats the words it did not understand as they were typed: escaped, they stay on the one line.
      throw usageError(oneLine(said));
    });
}

/**
 * The arguments, once every option that takes one value was given once. yargs turns a repeated
 * `--cluster a --cluster b` into the list [a, b], which no command can use; flags may repeat.
 */
function onceEach(args: GenArgs, options: Record<string, Options>): GenArgs {
  for (const [name, option] of Object.entries(options)) {
    const value = args[name];
    if (option.type !== "string" || !Array.isArray(value)) continue;
    const shown = value.slice(0, 3).map((v) => quoted(String(v)));
    throw usageError(
      `--${name} was given ${value.length} times (${[...shown, ...(value.length > 3 ? ["…"] : [])].join(", ")}); give it once`,
    );
  }
  return args;
}
