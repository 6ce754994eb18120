import { describe, expect, it } from "vitest";
import { soakConfig } from "./config";
import { bundleMissing } from "./process-soak";
import { formatFailure, formatFigures, formatProcessFigures, soak, soakProcesses } from "./soak";

// Random schedules of keepalived events, faults, kills and clock steps against the EC2 stand-in,
// with the safety invariants checked after every step and convergence checked at the end. The
// bounded run of `npm test`; `npm run soak` runs the same with more schedules and more time.
// test/soak/README.md says what each invariant means and how to replay a failing case.

const config = soakConfig();

describe("the soak", () => {
  it.skipIf(config.processReplay !== undefined && config.replay === undefined)(
    "keeps every invariant through random schedules of events, faults and kills",
    async () => {
      const figures = await soak(config);
      console.log(formatFigures(figures));
      const failures = figures.failures.map(formatFailure);
      for (const f of failures) console.log(f);
      expect(failures, failures.join("\n\n")).toEqual([]);
      if (!config.replay)
        expect(figures.events, "too few events for a meaningful soak: raise AWS_HA_SOAK_SECONDS").toBeGreaterThanOrEqual(config.minEvents);
    },
  );

  it.skipIf(config.processRuns === 0 || (config.replay !== undefined && config.processReplay === undefined))(
    "keeps them when processes of the shipped bundle are SIGKILLed mid-transition",
    async () => {
      const missing = bundleMissing(config.bundle);
      expect(missing, missing).toBeUndefined();
      const figures = await soakProcesses(config);
      const text = formatProcessFigures(figures);
      console.log(text);
      expect(figures.failure, text).toBeUndefined();
    },
  );
});
