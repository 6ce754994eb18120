import type { ErrorKind } from "./errors";

// Every exit code aws-ha's commands return, in one place. The front ends alone turn error kinds
// into exit codes; each speaks its caller's dialect: LSB for keepalived's scripts, Heartbeat and
// Pacemaker's lsb: class (keepalived ignores exit codes), OCF for Pacemaker's ocf: class, and a
// short list of its own for aws-ha-gen, which no daemon calls.

/** LSB init-script codes (aws-ha-notify's keepalived and init forms, aws-ha-updateeip). */
export const exitCodes = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** status: not running. */
  stopped: 3,
  /** Any action but status: not implemented (LSB gives 3 this meaning outside status). */
  unimplemented: 3,
  permission: 4,
  /** status: the state could not be told (IMDS or EC2 unreachable, no description). */
  statusUnknown: 4,
  notInstalled: 5,
  notConfigured: 6,
} as const;

/**
 * Pacemaker's OCF resource-agent codes. They share LSB's numbers for failures: 2 a parameter this
 * node cannot use, 4 AWS denied an action, 5 something missing on this node (the description
 * itself), 6 a description that is wrong everywhere (Pacemaker then stops the resource on every
 * node), 1 anything transient; monitor says 7 for "not running", which stop never does.
 */
export const ocfCodes = {
  success: 0,
  errGeneric: exitCodes.failed,
  errArgs: exitCodes.usage,
  errUnimplemented: 3,
  errPerm: exitCodes.permission,
  errInstalled: exitCodes.notInstalled,
  errConfigured: exitCodes.notConfigured,
  notRunning: 7,
} as const;

/**
 * The fence-agents protocol (fence_aws_ha, Pacemaker's stonith class): 0 done (for status: the
 * instance is on), 1 failed or unknown, 2 status only: the instance is off.
 */
export const fenceExitCodes = { success: 0, failed: 1, off: 2 } as const;

/** aws-ha-gen: done, failed, or input (arguments, the description) to correct. */
export const genExitCodes = { ok: 0, failed: 1, badInput: 2 } as const;

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

/** The LSB (and OCF) code for an error: by its kind, 1 for anything without one. */
export function exitCodeFor(error: unknown): number {
  const kind = (error as { kind?: ErrorKind } | undefined)?.kind;
  return kind && kind in byKind ? byKind[kind] : exitCodes.failed;
}

/** The code for several failures at once: the highest, which is the most specific. */
export function worstExitCode(errors: readonly unknown[]): number {
  return errors.length === 0 ? exitCodes.ok : Math.max(...errors.map(exitCodeFor));
}

/** aws-ha-gen's code for an error: a usage or description problem is input to correct. */
export function genExitCodeFor(error: unknown): number {
  const kind = (error as { kind?: ErrorKind } | undefined)?.kind;
  return kind === "usage" || kind === "config" ? genExitCodes.badInput : genExitCodes.failed;
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
