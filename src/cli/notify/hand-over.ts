import type * as Crypto from "node:crypto";

// The words a one-shot aws-ha-notify and the resident helper (`aws-ha-notify serve`) exchange over
// the helper's Unix socket: one JSON line each way to start, one JSON line back to end. The client
// is the start of the built aws-ha-notify, which runs before the bundle is even read, so this file
// imports nothing of the project's: what it needs it has here.

/** Where the helper listens unless AWS_HA_HELPER_SOCKET says otherwise: a root-only directory of its own. */
export const defaultHelperSocket = "/run/aws-ha/notify.sock";
export const helperSocketVariable = "AWS_HA_HELPER_SOCKET";

export const handOverLimits = {
  /** A request: argv, a few OCF parameters. */
  requestBytes: 64 * 1024,
  /** An answer: the event's log lines as the cold call would have printed them, and its stdout. */
  answerBytes: 256 * 1024,
  /** Connect and be accepted within this, or do the work here: a failover never waits for a helper. */
  acceptMs: 50,
  /** How long the helper waits for a connected client's request before it hangs up. */
  requestMs: 1_000,
  /** Added to the helper's own deadline before the client stops waiting for the end and does it itself. */
  answerGraceMs: 5_000,
  /** The longest any event may take: a bound on what the helper may announce. */
  longestEventMs: 30 * 60_000,
};

/** The command a request is for. */
export type HandOverProgram = "aws-ha-notify" | "aws-ha-updateeip";

export interface RequestFields {
  argv: string[];
  /** The calling process and its start time (/proc/PID/stat): the event's arrival stamp. */
  pid: number;
  start: number;
  /** The variables that say what to act on: AWS_HA_CLUSTER and Pacemaker's OCF_* parameters. */
  env: Record<string, string>;
  /** A digest of the variables that say how to reach AWS (see `environmentDigest`). */
  envDigest: string;
}

/**
 * A request as it crosses the socket. aws-ha-notify's are version 1, which every helper reads; a
 * version 2 request names its program, and a helper that knows only version 1 hangs up on it, so
 * that its caller does the work itself.
 */
export type HandOverRequest = RequestFields & ({ v: 1 } | { v: 2; program: HandOverProgram });

/** A request read back, its program known. */
export type ReceivedRequest = RequestFields & { program: HandOverProgram };

/** The request a program sends. */
export function requestOf(program: HandOverProgram, fields: RequestFields): HandOverRequest {
  return program === "aws-ha-notify" ? { v: 1, ...fields } : { v: 2, program, ...fields };
}

export type HelperAnswer = { accepted: true; withinMs: number } | { declined: string } | { exit: number; stdout: string; stderr: string };

/**
 * Whether the helper may be able to run this call: the transition forms of keepalived, Heartbeat
 * (LSB) and Pacemaker (OCF), and the status/monitor answers. It decides for itself; this only
 * keeps every other command (help, show, check, the FIFO reader, the helper itself) off the socket.
 * A detached worker already carries on an event its parent received.
 */
export function mayHandOver(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (env.AWS_HA_DETACHED_WORKER === "1" || env.AWS_HA_EVENT_ARRIVAL !== undefined) return false;
  if (env.OCF_RESOURCE_INSTANCE) return argv.length === 1 && ocfActions.has(argv[0]!);
  if (argv.some((a) => a === "--dry-run" || a === "--help" || a === "-h" || a === "--version")) return false;
  if (argv.length >= 4 && (argv.at(-4) === "INSTANCE" || argv.at(-4) === "GROUP")) return true;
  // Options may stand anywhere; the one word left must be a state or an init action.
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-")) words.push(arg);
    else if (valueOptions.has(arg)) i++;
  }
  return words.length === 1 && transitionWords.has(words[0]!.toLowerCase());
}

/** aws-ha-updateeip's Heartbeat actions, its last word (src/cli/updateeip/args.ts): the rest it does itself. */
export function mayHandOverUpdateEip(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (env.AWS_HA_DETACHED_WORKER === "1" || env.AWS_HA_EVENT_ARRIVAL !== undefined) return false;
  if (argv.some((a) => a === "--help" || a === "-h" || a === "--version")) return false;
  return updateEipActions.has(argv.at(-1) ?? "");
}

const updateEipActions = new Set(["start", "stop", "status"]);

/** The options of aws-ha-notify that take the next word as their value (args.ts). */
const valueOptions = new Set(["--cluster", "--only", "--log-format", "-n"]);

const ocfActions = new Set(["start", "stop", "monitor", "status"]);
const transitionWords = new Set(["master", "backup", "fault", "stop", "deleted", "start", "status"]);

/** The variables of a request: what the helper needs to know of the caller's environment to act as it would. */
export function requestEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const chosen: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && (name === "AWS_HA_CLUSTER" || name.startsWith("OCF_"))) chosen[name] = value;
  return chosen;
}

// How a process reaches AWS (endpoints, credentials, region, proxies, the metadata service) comes
// from its environment. The helper acts for a caller only when both agree; a digest, so that no
// credential crosses the socket.
// The proxy variables are those src/cloud/proxy/proxy-settings.ts reads, all_proxy included.
const reachVariable = /^(AWS_|(HTTPS?|ALL|NO)_PROXY$|(https?|all|no)_proxy$)/;
const notAboutReach = new Set([
  "AWS_HA_CLUSTER",
  "AWS_HA_CODE_CACHE",
  "AWS_HA_CODE_CACHE_DEBUG",
  "AWS_HA_CODE_CACHE_DIR",
  "AWS_HA_HELPER_SOCKET",
  "AWS_HA_SYSLOG",
  "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED",
]);

export function environmentDigest(env: NodeJS.ProcessEnv): string {
  const lines = Object.entries(env)
    .filter(([name, value]) => value !== undefined && reachVariable.test(name) && !notAboutReach.has(name))
    .map(([name, value]) => `${name}=${value}`)
    .sort();
  // node:crypto only when a request is made: the starts of aws-ha-notify and aws-ha-updateeip carry
  // this file, and their --help, or a call no helper may run, need not load it before the bundle.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  const { createHash } = require("node:crypto") as typeof Crypto;
  return createHash("sha256").update(lines.join("\0")).digest("hex");
}

export function encodeMessage(message: HandOverRequest | HelperAnswer): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * Splits what arrives on the socket into lines, refusing more than `limitBytes` without a newline
 * (a line is a whole message). `take` returns the complete lines received so far.
 */
export class MessageLines {
  private partial = "";
  constructor(private readonly limitBytes: number) {}

  take(chunk: string): string[] {
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop() ?? "";
    if (this.partial.length > this.limitBytes || lines.some((l) => l.length > this.limitBytes))
      throw new Error(`a message longer than ${this.limitBytes} bytes`);
    return lines;
  }
}

/** A request read back, or undefined when it is not one (wrong shape, wrong version, unknown program). */
export function parseRequest(line: string): ReceivedRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Partial<RequestFields> & { v?: unknown; program?: unknown };
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 64 && v.every((s) => typeof s === "string");
  const env = r.env;
  const envOk =
    typeof env === "object" && env !== null && Object.values(env).every((s) => typeof s === "string") && Object.keys(env).length <= 256;
  if ((r.v !== 1 && r.v !== 2) || !strings(r.argv)) return undefined;
  const program = r.v === 1 ? "aws-ha-notify" : r.program;
  if (program !== "aws-ha-notify" && program !== "aws-ha-updateeip") return undefined;
  if (!Number.isSafeInteger(r.pid) || r.pid! <= 0 || !Number.isSafeInteger(r.start) || r.start! < 0) return undefined;
  if (!envOk || typeof r.envDigest !== "string") return undefined;
  const { argv, pid, start, envDigest } = r as RequestFields;
  return { argv, pid, start, env: env as Record<string, string>, envDigest, program };
}

/** An answer read back, or undefined when it is not one. */
export function parseAnswer(line: string): HelperAnswer | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const a = value as Record<string, unknown>;
  if (a.accepted === true && typeof a.withinMs === "number" && a.withinMs > 0 && a.withinMs <= handOverLimits.longestEventMs)
    return { accepted: true, withinMs: a.withinMs };
  if (typeof a.declined === "string") return { declined: a.declined };
  if (
    Number.isInteger(a.exit) &&
    (a.exit as number) >= 0 &&
    (a.exit as number) <= 255 &&
    typeof a.stdout === "string" &&
    typeof a.stderr === "string"
  )
    return { exit: a.exit as number, stdout: a.stdout, stderr: a.stderr };
  return undefined;
}
