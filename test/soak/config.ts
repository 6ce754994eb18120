import { builtBundle } from "./process-soak";
import { allStepKinds, type StepKinds } from "./schedule";

// Everything a soak run can be told through the environment; `npm run soak` and `npm run test:soak`
// differ only in these. Every run prints its seed; the same seed (and lane and path, for one failing
// case) generates the same schedules again.

export interface SoakConfig {
  /** Schedules to generate, over all lanes. */
  runs: number;
  seed: number;
  /** Cases run side by side (each its own EC2 stand-in and run directories). */
  lanes: number;
  /** Generating stops after this; the schedules already running finish. */
  searchSeconds: number;
  /** Shrinking a failing case stops after this; the smallest failing case so far is reported. */
  shrinkSeconds: number;
  /** The run fails unless this many events were delivered (0: no minimum). */
  minEvents: number;
  maxSteps: number;
  kinds: StepKinds;
  /** Failing cases a lane reports before it stops (it searches on from a fresh seed after each). */
  failuresPerLane: number;
  /** Runs of a shrunk case, to tell how reliably it reproduces. */
  confirmRuns: number;
  /** Replays one case: the lane and fast-check path printed with a failure. */
  replay?: { lane: number; path: string };
  /** Schedules of the shipped bundle SIGKILLed mid-transition (real processes). */
  processRuns: number;
  /** The aws-ha-notify bundle those run. */
  bundle: string;
  /** Replays one case of the shipped bundle: the fast-check path printed with its failure. */
  processReplay?: string;
}

const number = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}=${text}: expected a number of 0 or more`);
  return value;
};

const kindNames: Record<string, keyof StepKinds> = { kills: "kills", clock: "clock", "run-dir": "runDirFull", faults: "faults" };

/**
 * Defaults of the two runs: the bounded one inside `npm test` (a minute and a bit, at least a
 * thousand events on two cores) and `npm run soak` (AWS_HA_SOAK_PROFILE=long: thousands of schedules).
 */
const profiles = {
  bounded: { runs: 400, seconds: 60, shrinkSeconds: 30, processRuns: 2, failuresPerLane: 1 },
  long: { runs: 3000, seconds: 1800, shrinkSeconds: 300, processRuns: 20, failuresPerLane: 3 },
};

export function soakConfig(env: NodeJS.ProcessEnv = process.env): SoakConfig {
  const profileName = env.AWS_HA_SOAK_PROFILE || "bounded";
  if (profileName !== "bounded" && profileName !== "long") throw new Error(`AWS_HA_SOAK_PROFILE=${profileName}: expected bounded or long`);
  const profile = profiles[profileName];
  const kinds = { ...allStepKinds };
  for (const word of (env.AWS_HA_SOAK_WITHOUT ?? "")
    .split(",")
    .map((w) => w.trim())
    .filter(Boolean)) {
    const kind = kindNames[word];
    if (!kind)
      throw new Error(`AWS_HA_SOAK_WITHOUT=${env.AWS_HA_SOAK_WITHOUT}: ${word} is not one of ${Object.keys(kindNames).join(", ")}`);
    kinds[kind] = false;
  }
  const path = env.AWS_HA_SOAK_PATH;
  return {
    runs: Math.floor(number(env, "AWS_HA_SOAK_RUNS", profile.runs)),
    seed: Math.floor(number(env, "AWS_HA_SOAK_SEED", Math.floor(Math.random() * 2 ** 31))),
    lanes: Math.max(1, Math.floor(number(env, "AWS_HA_SOAK_LANES", 6))),
    searchSeconds: number(env, "AWS_HA_SOAK_SECONDS", profile.seconds),
    shrinkSeconds: number(env, "AWS_HA_SOAK_SHRINK_SECONDS", profile.shrinkSeconds),
    minEvents: Math.floor(number(env, "AWS_HA_SOAK_MIN_EVENTS", 1000)),
    maxSteps: Math.max(1, Math.floor(number(env, "AWS_HA_SOAK_MAX_STEPS", 16))),
    kinds,
    failuresPerLane: Math.max(1, Math.floor(number(env, "AWS_HA_SOAK_FAILURES_PER_LANE", profile.failuresPerLane))),
    confirmRuns: Math.floor(number(env, "AWS_HA_SOAK_CONFIRM", 3)),
    ...(path ? { replay: { lane: Math.floor(number(env, "AWS_HA_SOAK_LANE", 0)), path } } : {}),
    processRuns: Math.floor(number(env, "AWS_HA_SOAK_PROCESS_RUNS", profile.processRuns)),
    bundle: env.AWS_HA_SOAK_BUNDLE || builtBundle,
    ...(env.AWS_HA_SOAK_PROCESS_PATH ? { processReplay: env.AWS_HA_SOAK_PROCESS_PATH } : {}),
  };
}
