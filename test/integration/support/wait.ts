// Every wait of a scenario is bounded: a product that never converges fails the scenario with a
// message naming what was awaited, it does not hang the run.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something truthy and returns that; throws after timeoutMs. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const started = Date.now();
  let lastError = "";
  for (let attempt = 0; attempt <= Math.ceil(timeoutMs / intervalMs); attempt++) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() - started >= timeoutMs) break;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ""}`);
}
