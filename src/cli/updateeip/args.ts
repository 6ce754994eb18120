import { usageError } from "../../errors";
import { isIPv4 } from "node:net";
import { quoted } from "../../log";

// Heartbeat runs `aws-ha-updateeip [ARG…] ACTION`, with the haresources arguments
// (aws-ha-updateeip::eipalloc-0abc::10.0.1.100) before the action, which always comes last. Read by
// hand for the reasons src/cli/notify/args.ts gives: parseArgs would also read "-r" as an option,
// where here a word with one dash is judged as an address or an action.

export type EipAction = "start" | "stop" | "status" | "restart" | "try-restart";

export interface UpdateEipArgs {
  action: EipAction;
  /** An allocation id or a public IP; undefined: every EIP of the description. */
  address?: { allocationId: string } | { publicIp: string };
  privateIp?: string;
  cluster?: string;
  release: boolean;
  logFormat: "text" | "json";
}

export type UpdateEipParse =
  | { kind: "run"; args: UpdateEipArgs }
  | { kind: "help" }
  | { kind: "version" }
  /** An LSB action this resource has no use for: exit 3, as LSB asks. */
  | { kind: "unimplemented"; action: string };

const actions: Record<string, EipAction> = {
  start: "start",
  stop: "stop",
  status: "status",
  monitor: "status",
  restart: "restart",
  "force-reload": "restart",
  "try-restart": "try-restart",
  condrestart: "try-restart",
};

// An Elastic IP has no configuration to re-read.
const unimplemented = new Set(["reload"]);

export function parseUpdateEipArgs(argv: readonly string[]): UpdateEipParse {
  const words: string[] = [];
  let cluster: string | undefined;
  let release = false;
  let logFormat: "text" | "json" = "text";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    if (arg === "--version") return { kind: "version" };
    // Options by their exact names: "--clusterx=…" is a typo to report, not a --cluster.
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      const v = name === arg ? argv[++i] : arg.slice(eq + 1);
      if (name === arg && v?.startsWith("-")) throw usageError(`${name} needs a value, not the option ${quoted(v)}`);
      if (!v) throw usageError(`${name} needs a value`);
      return v;
    };
    if (arg === "--release") release = true;
    else if (name === "--cluster") cluster = value();
    else if (name === "--log-format") {
      const v = value();
      if (v !== "text" && v !== "json") throw usageError(`--log-format must be text or json, not ${quoted(v)}`);
      logFormat = v;
    } else if (arg.startsWith("--")) throw usageError(`unknown option ${/^--[A-Za-z0-9=./_-]{1,60}$/.test(arg) ? arg : quoted(arg)}`);
    else words.push(arg);
  }
  const actionWord = words.pop();
  // Own keys only: "constructor" or "__proto__" are no actions.
  const action =
    actionWord !== undefined && Object.hasOwn(actions, actionWord.toLowerCase()) ? actions[actionWord.toLowerCase()] : undefined;
  if (actionWord !== undefined && unimplemented.has(actionWord.toLowerCase())) return { kind: "unimplemented", action: actionWord };
  if (!action)
    throw usageError(
      actionWord === undefined
        ? "no action given (start, stop or status)"
        : `unknown action ${quoted(actionWord)}; expected start, stop, status, restart, try-restart or force-reload`,
    );
  if (words.length > 2) throw usageError(`too many arguments before ${actionWord}: expected [ALLOCATION_ID|PUBLIC_IP [PRIVATE_IP]]`);
  const [first, second] = words;
  let address: UpdateEipArgs["address"];
  if (first !== undefined) {
    if (/^eipalloc-[0-9a-f]{8,17}$/.test(first)) address = { allocationId: first };
    else if (isIPv4(first)) address = { publicIp: first };
    else throw usageError(`${quoted(first)} is neither an allocation id (eipalloc-…) nor a public IPv4 address`);
  }
  if (second !== undefined && !isIPv4(second)) throw usageError(`${quoted(second)} is not a private IPv4 address`);
  return { kind: "run", args: { action, address, privateIp: second, cluster, release, logFormat } };
}
