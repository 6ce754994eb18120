import fc from "fast-check";

// Every fuzz property runs seeded and bounded: the seed is printed before the run, so a failure in
// CI replays on a laptop with AWS_HA_FUZZ_SEED (and AWS_HA_FUZZ_PATH, from the report, to jump
// straight to the shrunk case). AWS_HA_FUZZ_SCALE multiplies every property's number of cases for
// a longer soak than CI can afford.

/**
 * The vitest time limit of a fuzz test. A passing run takes seconds; a failing one replays the
 * property many times while it shrinks the case, and the shrunk case is the point of the run.
 */
export const shrinkingTimeoutMs = 600_000;

export interface PropertyBudget {
  /** Cases in CI. */
  runs: number;
  /** Inputs that must always be tried, before the random ones (the known-nasty ones). */
  examples?: unknown[][];
}

export interface PropertyRun {
  seed: number;
  runs: number;
  ms: number;
}

function fuzzSeed(): number {
  const given = process.env.AWS_HA_FUZZ_SEED;
  if (given !== undefined && given !== "") {
    const seed = Number(given);
    if (!Number.isInteger(seed)) throw new Error(`AWS_HA_FUZZ_SEED must be an integer, not ${JSON.stringify(given)}`);
    return seed;
  }
  return (Math.random() * 0x1_0000_0000) | 0;
}

function scaled(runs: number): number {
  const scale = Number(process.env.AWS_HA_FUZZ_SCALE ?? "1");
  return Math.max(1, Math.round(runs * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** Runs a property (sync or async) and throws the shrunk counterexample with the replay command. */
export async function checkProperty<Ts>(
  name: string,
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  budget: PropertyBudget,
): Promise<PropertyRun> {
  const seed = fuzzSeed();
  const runs = scaled(budget.runs);
  const path = process.env.AWS_HA_FUZZ_PATH || undefined;
  console.log(`fuzz ${name}: seed=${seed} runs=${runs}${path ? ` path=${path}` : ""}`);
  const started = performance.now();
  const details = await fc.check(property as fc.IRawProperty<Ts>, {
    seed,
    numRuns: runs,
    ...(path ? { path } : {}),
    ...(budget.examples ? { examples: budget.examples as Ts[] } : {}),
  });
  const ms = Math.round(performance.now() - started);
  if (details.failed) {
    const report = fc.defaultReportMessage(details) ?? "failed";
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      `fuzz ${name} failed (seed ${seed}); replay with AWS_HA_FUZZ_SEED=${seed} AWS_HA_FUZZ_PATH=${details.counterexamplePath ?? ""}\n${report}\nWhat failed: ${cause}`,
    );
  }
  console.log(`fuzz ${name}: ${details.numRuns} cases passed in ${ms} ms`);
  return { seed, runs: details.numRuns, ms };
}
