import { AwsHaError } from "../errors";
import { pollUntil } from "../time/deadline";
import type { TransitionContext } from "./resource";

// Every wait of a resource goes through pollUntil, bounded by its own limit and by the transition's
// deadline, and says in the log what it waits for.

export interface Wait {
  /** For the log and the timeout message: "waiting for vol-0abc to attach". */
  waitingFor: string;
  resource: string;
  limitMs: number;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** What the operator can do when the limit (not the transition's deadline) passes. */
  fix?: string;
}

/** Polls until `done` is true; throws a timeout error naming the wait when the limit passes. */
export async function waitUntil(ctx: TransitionContext, wait: Wait, done: () => Promise<boolean>): Promise<void> {
  ctx.log.info(wait.waitingFor);
  const { fix, ...poll } = wait;
  try {
    await pollUntil(async () => ((await done()) ? true : undefined), { deadline: ctx.deadline, ...poll });
  } catch (e) {
    if (fix !== undefined && isTimeout(e) && !ctx.deadline.expired())
      throw new AwsHaError("timeout", e.message, { resource: wait.resource, fix });
    throw e;
  }
}

function isTimeout(e: unknown): e is AwsHaError {
  return e instanceof AwsHaError && e.kind === "timeout";
}

/** Like waitUntil, but a passed limit (not the transition's deadline) answers false instead of throwing. */
export async function waitAtMost(ctx: TransitionContext, wait: Wait, done: () => Promise<boolean>): Promise<boolean> {
  try {
    await waitUntil(ctx, wait, done);
    return true;
  } catch (e) {
    if (isTimeout(e) && !ctx.deadline.expired()) return false;
    throw e;
  }
}

/**
 * EC2 applies a change and describes it a moment later. Confirmation polls fast and is bounded only
 * by the transition's deadline.
 */
export function confirm(ctx: TransitionContext, waitingFor: string, resource: string, done: () => Promise<boolean>): Promise<void> {
  return waitUntil(ctx, { waitingFor, resource, limitMs: ctx.deadline.remainingMs(), firstDelayMs: 100, maxDelayMs: 1000 }, done);
}
