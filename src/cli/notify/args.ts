import { AwsHaError, usageError } from "../../errors";
import { quoted } from "../../log";
import type { ArrivedTransition } from "../../transition/runner";
import { keepalivedEvent, transitionFor } from "./keepalived-words";

// A hand-written parser rather than yargs: this runs on every failover, and the forms are fixed
// by the daemons that call it (keepalived's specific and generic notify, init-style actions with
// Heartbeat's arguments before the action, keepalived's FIFO script with the FIFO path last).
// Nor node:util's parseArgs: its strict mode would fail `--help --frobnicate` and word its own
// errors, and without it parseArgs takes `--n 5`, `-n5`, `-hx` and `--dry-run=false` for options of
// ours and `--cluster --dry-run` for a file name; undoing that on its tokens took more code than
// this loop, and a slower start.

export interface NotifyOptions {
  cluster?: string;
  dryRun: boolean;
  only: string[];
  logFormat: "text" | "json";
  json: boolean;
  verbose: boolean;
  /** history: how many of the newest transitions (-n N). */
  count?: number;
}

export type NotifyCommand =
  | { kind: "transition"; transition: ArrivedTransition; lsb: boolean }
  | { kind: "skip"; reason: string }
  | { kind: "status" }
  | { kind: "restart" }
  | { kind: "fifo"; fifoPath: string }
  | { kind: "serve" }
  | { kind: "show" }
  | { kind: "history" }
  | { kind: "check" }
  | { kind: "help" }
  | { kind: "version" };

export interface ParsedNotify {
  command: NotifyCommand;
  options: NotifyOptions;
}

const valueOptions = new Set(["--cluster", "--only", "--log-format", "-n"]);

/** The most `history -n` shows: two full journal files hold fewer lines than this. */
const historyCountLimit = 100_000;

export function parseNotifyArgs(argv: readonly string[]): ParsedNotify {
  const options: NotifyOptions = { dryRun: false, only: [], logFormat: "text", json: false, verbose: false };
  // keepalived's generic notify appends its four words last, and the instance name among them may
  // be anything, an option's look included: they are set aside before options are read.
  const event = argv.length >= 4 && (argv.at(-4) === "INSTANCE" || argv.at(-4) === "GROUP") ? argv.slice(-4) : undefined;
  const rest = event ? argv.slice(0, -4) : argv;
  const words: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith("-")) {
      words.push(arg);
      continue;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (valueOptions.has(name)) {
      if (value === undefined) {
        value = rest[++i];
        if (value?.startsWith("-")) throw usageError(`${name} needs a value, not the option ${quoted(value)}`);
      }
      if (!value) throw usageError(`${name} needs a value`);
    } else if (value !== undefined) throw usageError(`unknown option ${optionShown(arg)}`);
    switch (name) {
      case "--cluster":
        options.cluster = value;
        break;
      case "--only":
        options.only.push(...value!.split(",").filter(Boolean));
        break;
      case "--log-format":
        if (value !== "text" && value !== "json") throw usageError(`--log-format must be text or json, not ${quoted(value!)}`);
        options.logFormat = value;
        break;
      case "-n":
        if (!/^[1-9]\d{0,5}$/.test(value!) || Number(value) > historyCountLimit)
          throw usageError(`-n needs a whole number of transitions from 1 to ${historyCountLimit}, not ${quoted(value!)}`);
        options.count = Number(value);
        break;
      case "--dry-run":
        options.dryRun = true;
        break;
      case "--json":
        options.json = true;
        break;
      case "--verbose":
        options.verbose = true;
        break;
      case "--help":
      case "-h":
        return { command: { kind: "help" }, options };
      case "--version":
        return { command: { kind: "version" }, options };
      default:
        throw usageError(`unknown option ${optionShown(name)}`);
    }
  }
  return { command: event ? keepalivedCommand(event, words) : commandFrom(words), options };
}

/** An option name as typed when it looks like one, else quoted: a message stays one short line. */
function optionShown(name: string): string {
  return /^--?[A-Za-z0-9][A-Za-z0-9-]{0,40}$/.test(name) ? name : quoted(name);
}

// keepalived's generic notify: [configured words…] INSTANCE|GROUP NAME STATE PRIORITY. Only options
// may be configured before them: a stray word would be a second, contradicting instruction.
function keepalivedCommand(event: readonly string[], words: readonly string[]): NotifyCommand {
  if (words.length > 0)
    throw new AwsHaError(
      "usage",
      `${quoted(words[0]!)} before keepalived's INSTANCE|GROUP NAME STATE PRIORITY: only options may come before them`,
      { fix: 'configure the generic notify as "aws-ha-notify --cluster FILE"; keepalived appends the four words' },
    );
  const [type, name, state, priority] = event as [string, string, string, string];
  const transition = keepalivedEvent(type, name, state, priority);
  return transition ? { kind: "transition", transition, lsb: false } : { kind: "skip", reason: `${state} changes nothing` };
}

const initActions = new Set(["status", "monitor", "restart", "force-reload", "start", "stop", "reload", "try-restart"]);

function commandFrom(words: string[]): NotifyCommand {
  if (words.length === 0) throw usageError("no action given");
  const first = words[0]!.toLowerCase();
  if (first === "fifo") {
    // keepalived appends the FIFO path to vrrp_notify_fifo_script's words.
    if (words.length > 2) throw usageError(`fifo takes only the FIFO's path, got ${quoted(words.slice(1, -1).join(" "))} before it`);
    const fifoPath = words[1];
    if (fifoPath === undefined || !fifoPath.startsWith("/"))
      throw usageError(
        `fifo needs the FIFO's absolute path (keepalived passes it last)${fifoPath === undefined ? "" : `, got ${quoted(fifoPath)}`}`,
      );
    return { kind: "fifo", fifoPath };
  }
  if (first === "serve") return expectAlone(words, { kind: "serve" });
  if (first === "show") return expectAlone(words, { kind: "show" });
  if (first === "history") return expectAlone(words, { kind: "history" });
  if (first === "check") return expectAlone(words, { kind: "check" });
  // The generic form with options after it, as an operator may type it to try a transition.
  if (words.length >= 4 && (words.at(-4) === "INSTANCE" || words.at(-4) === "GROUP"))
    return keepalivedCommand(words.slice(-4), words.slice(0, -4));

  // Init-style: the action comes last. Heartbeat passes the haresources arguments before it, and
  // for aws-ha-notify those are options (aws-ha-notify::--cluster=FILE); any other word there was
  // meant for something else, and acting on the action alone would ignore it.
  const actionWord = words.at(-1)!;
  const action = actionWord.toLowerCase();
  if (initActions.has(action) && words.length > 1)
    throw new AwsHaError(
      "usage",
      `${quoted(words[0]!)} before ${actionWord}: only options (such as --cluster=FILE) may come before an init action`,
      { fix: 'in haresources write aws-ha-notify::--cluster=FILE: Heartbeat passes the words between "::" before the action' },
    );
  switch (action) {
    case "status":
    case "monitor":
      return { kind: "status" };
    case "restart":
    case "force-reload":
      return { kind: "restart" };
    case "start":
    case "stop":
      return { kind: "transition", transition: transitionFor(action)!, lsb: true };
    case "reload":
    case "try-restart":
      return { kind: "transition", transition: transitionFor("start")!, lsb: true };
  }
  if (words.length === 1) {
    const transition = transitionFor(words[0]!);
    return transition ? { kind: "transition", transition, lsb: false } : { kind: "skip", reason: `${words[0]} changes nothing` };
  }
  throw new AwsHaError("usage", `cannot tell what to do from ${quoted(words.join(" "))}`, {
    fix: "see aws-ha-notify --help for the forms keepalived, Heartbeat and Pacemaker use",
  });
}

function expectAlone(words: string[], command: NotifyCommand): NotifyCommand {
  if (words.length > 1) throw usageError(`${words[0]} takes no further words, got ${quoted(words.slice(1).join(" "))}`);
  return command;
}
