import { usageError } from "../errors";
import { ipv4 } from "../cluster/schema";

// Heartbeat runs `aws-ha-updateeip [ARG…] ACTION`, with the haresources arguments
// (aws-ha-updateeip::eipalloc-0abc::10.0.1.100) before the action, which always comes last.

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
    if (arg === "--release") release = true;
    else if (arg.startsWith("--cluster")) {
      cluster = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (!cluster) throw usageError("--cluster needs a value");
    } else if (arg.startsWith("--log-format")) {
      const v = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (v !== "text" && v !== "json") throw usageError(`--log-format must be text or json, not ${JSON.stringify(v)}`);
      logFormat = v;
    } else if (arg.startsWith("--")) throw usageError(`unknown option ${arg}`);
    else words.push(arg);
  }
  const actionWord = words.pop();
  const action = actionWord === undefined ? undefined : actions[actionWord.toLowerCase()];
  if (actionWord !== undefined && unimplemented.has(actionWord.toLowerCase())) return { kind: "unimplemented", action: actionWord };
  if (!action)
    throw usageError(
      actionWord === undefined
        ? "no action given (start, stop or status)"
        : `unknown action ${JSON.stringify(actionWord)}; expected start, stop, status, restart, try-restart or force-reload`,
    );
  if (words.length > 2) throw usageError(`too many arguments before ${actionWord}: expected [ALLOCATION_ID|PUBLIC_IP [PRIVATE_IP]]`);
  const [first, second] = words;
  let address: UpdateEipArgs["address"];
  if (first !== undefined) {
    if (/^eipalloc-[0-9a-f]{8,17}$/.test(first)) address = { allocationId: first };
    else if (ipv4.safeParse(first).success) address = { publicIp: first };
    else throw usageError(`${JSON.stringify(first)} is neither an allocation id (eipalloc-…) nor a public IPv4 address`);
  }
  if (second !== undefined && !ipv4.safeParse(second).success) throw usageError(`${JSON.stringify(second)} is not a private IPv4 address`);
  return { kind: "run", args: { action, address, privateIp: second, cluster, release, logFormat } };
}
