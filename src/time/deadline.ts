import { AwsHaError } from "../errors";
import { monotonicMs } from "./monotonic";

/**
 * The time a whole transition may take; every wait and poll asks it how long is left. Measured on
 * the monotonic clock: an NTP step of the wall clock must neither cut a transition short nor let
 * it run on.
 */
export class Deadline {
  private readonly end: number;
  constructor(
    readonly totalMs: number,
    private readonly now: () => number = () => monotonicMs(),
  ) {
    this.end = now() + totalMs;
  }

  /** Whole milliseconds, as timers and AbortSignal.timeout() want them. */
  remainingMs(): number {
    return Math.max(0, Math.ceil(this.end - this.now()));
  }

  expired(): boolean {
    return this.remainingMs() === 0;
  }

  /** An AbortSignal that fires when the deadline passes (for SDK calls and child processes). */
  signal(): AbortSignal {
    return AbortSignal.timeout(Math.max(1, this.remainingMs()));
  }

  /** Throws a timeout error naming what was being waited for. */
  check(waitingFor: string, resource?: string): void {
    if (this.expired())
      throw new AwsHaError("timeout", `the transition deadline (${Math.round(this.totalMs / 1000)} s) passed while ${waitingFor}`, {
        resource,
        fix: "raise timeouts.transition in the cluster description, or see the log for the slow step",
      });
  }
}

/** Poll `probe` until it returns a value, fast first then backing off (250 ms, ×1.5, at most 2 s). */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  opts: { deadline: Deadline; limitMs: number; waitingFor: string; resource?: string; firstDelayMs?: number; maxDelayMs?: number },
): Promise<T> {
  const stopAt = monotonicMs() + Math.min(opts.limitMs, opts.deadline.remainingMs());
  let delay = opts.firstDelayMs ?? 250;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const left = stopAt - monotonicMs();
    if (left <= 0) {
      opts.deadline.check(opts.waitingFor, opts.resource);
      throw new AwsHaError("timeout", `gave up after ${Math.round(opts.limitMs / 1000)} s ${opts.waitingFor}`, {
        resource: opts.resource,
        fix: "raise the timeout for this step in the cluster description's timeouts if the step is only slow",
      });
    }
    await new Promise((r) => setTimeout(r, Math.min(delay, left)));
    delay = Math.min(delay * 1.5, opts.maxDelayMs ?? 2000);
  }
}
