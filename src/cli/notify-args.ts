import { AwsHaError, usageError } from "../errors";
import { parseFifoLine, transitionFor, type Transition } from "../transition/transition";

// A hand-written parser rather than yargs: this runs on every failover, and the forms are fixed
// by the daemons that call it (keepalived's specific and generic notify, init-style actions with
// Heartbeat's arguments before the action, keepalived's FIFO script with the FIFO path last).

export interface NotifyOptions {
  cluster?: string;
  dryRun: boolean;
  only: string[];
  logFormat: "text" | "json";
  json: boolean;
  verbose: boolean;
}

export type NotifyCommand =
  | { kind: "transition"; transition: Transition; lsb: boolean }
  | { kind: "skip"; reason: string }
  | { kind: "status" }
  | { kind: "restart" }
  | { kind: "fifo"; fifoPath: string }
  | { kind: "show" }
  | { kind: "check" }
  | { kind: "help" }
  | { kind: "version" };

export interface ParsedNotify {
  command: NotifyCommand;
  options: NotifyOptions;
}

const valueOptions = new Set(["--cluster", "--only", "--log-format"]);

export function parseNotifyArgs(argv: readonly string[]): ParsedNotify {
  const options: NotifyOptions = { dryRun: false, only: [], logFormat: "text", json: false, verbose: false };
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--") && arg !== "-h") {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (valueOptions.has(name) && value === undefined) {
      value = argv[++i];
      if (value === undefined) throw usageError(`${name} needs a value`);
    }
    switch (name) {
      case "--cluster":
        options.cluster = value;
        break;
      case "--only":
        options.only.push(...value!.split(",").filter(Boolean));
        break;
      case "--log-format":
        if (value !== "text" && value !== "json") throw usageError(`--log-format must be text or json, not ${JSON.stringify(value)}`);
        options.logFormat = value;
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
        throw usageError(`unknown option ${name}`);
    }
  }
  return { command: commandFrom(words), options };
}

function commandFrom(words: string[]): NotifyCommand {
  if (words.length === 0) throw usageError("no action given");
  const first = words[0]!.toLowerCase();
  if (first === "fifo") {
    // keepalived appends the FIFO path to vrrp_notify_fifo_script's words.
    const fifoPath = words.at(-1);
    if (words.length < 2 || !fifoPath!.startsWith("/")) throw usageError("fifo needs the FIFO's absolute path (keepalived passes it last)");
    return { kind: "fifo", fifoPath: fifoPath! };
  }
  if (first === "show") return expectAlone(words, { kind: "show" });
  if (first === "check") return expectAlone(words, { kind: "check" });

  // keepalived's generic notify: [configured words…] INSTANCE|GROUP NAME STATE PRIORITY
  const typeAt = words.findIndex((w) => w === "INSTANCE" || w === "GROUP");
  if (typeAt >= 0 && words.length - typeAt === 4) {
    const [type, name, state, priority] = words.slice(typeAt) as [string, string, string, string];
    const transition = parseFifoLine(`${type} "${name}" ${state} ${priority}`);
    return transition ? { kind: "transition", transition, lsb: false } : { kind: "skip", reason: `${state} changes nothing` };
  }

  // Init-style: Heartbeat passes haresources arguments first and the action last.
  const action = words.at(-1)!.toLowerCase();
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
  throw new AwsHaError("usage", `cannot tell what to do from ${JSON.stringify(words.join(" "))}`, {
    fix: "see aws-ha-notify --help for the forms keepalived, Heartbeat and Pacemaker use",
  });
}

function expectAlone(words: string[], command: NotifyCommand): NotifyCommand {
  if (words.length > 1) throw usageError(`${words[0]} takes no further words, got ${JSON.stringify(words.slice(1).join(" "))}`);
  return command;
}
