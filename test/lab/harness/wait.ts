// Every wait in the lab is bounded in time and in attempts: a daemon that never converges must fail
// the scenario with a message naming what was awaited, not hang the run.

export interface WaitOptions {
  /** What is awaited, for the timeout message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
}

export class WaitTimeout extends Error {}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns something other than undefined/false/null and returns that.
 * A probe that throws counts as "not yet"; its last error is quoted on timeout.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: WaitOptions,
): Promise<T> {
  const intervalMs = options.intervalMs ?? 100;
  const started = Date.now();
  const maxAttempts = Math.ceil(options.timeoutMs / intervalMs) + 1;
  let lastProblem = "";
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      lastProblem = "";
    } catch (e) {
      lastProblem = (e as Error).message;
    }
    if (Date.now() - started >= options.timeoutMs) break;
    await sleep(intervalMs);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  throw new WaitTimeout(`timed out after ${seconds} s waiting for ${options.what}${lastProblem ? ` (last error: ${lastProblem})` : ""}`);
}
