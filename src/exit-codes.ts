import type { ErrorKind } from "./errors";

// The CLI layer alone turns error kinds into exit codes. The numbers follow LSB's init-script
// conventions, which Heartbeat and Pacemaker's lsb: class read; keepalived ignores exit codes.
export const exitCodes = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** LSB status: not running. */
  stopped: 3,
  permission: 4,
  notInstalled: 5,
  notConfigured: 6,
} as const;

const byKind: Record<ErrorKind, number> = {
  usage: exitCodes.usage,
  config: exitCodes.notConfigured,
  install: exitCodes.notInstalled,
  permission: exitCodes.permission,
  conflict: exitCodes.failed,
  timeout: exitCodes.failed,
  cloud: exitCodes.failed,
  host: exitCodes.failed,
};

export function exitCodeFor(error: unknown): number {
  const kind = (error as { kind?: ErrorKind } | undefined)?.kind;
  return kind && kind in byKind ? byKind[kind] : exitCodes.failed;
}

export const exitCodeHelp = `Exit codes:
  0  done (or, for status: every resource is held here)
  1  the transition failed: a resource could not be moved (see the log line naming it)
  2  bad arguments (unknown state word, unknown option)
  3  status: not every resource is held here
  4  AWS denied an action: the message names it; \`aws-ha-gen iam-policy\` prints the policy
  5  something this node needs is missing (a binary, a device)
  6  the cluster description is missing, malformed or does not name this instance, or a user
     other than root could change it or a command it names (the message gives the fix)`;
