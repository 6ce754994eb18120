import { describe, expect, it } from "vitest";
import { historyTable, lastTransitionLine } from "../../../src/record/history-table";
import { couldNotRun, failedRelease, overtaken, takeover } from "./entries";

// What `aws-ha-notify history` prints: one row per transition, newest last, what moved in the
// closing line's words, or what failed.

describe("the history table", () => {
  it("shows each transition's time, event, outcome, duration and what moved from whom, newest last", () => {
    expect(historyTable([takeover, failedRelease, couldNotRun, overtaken])).toBe(
      [
        "TIME (UTC)           EVENT             OUTCOME     TOOK    WHAT",
        "2026-11-30 15:40:02  MASTER (acquire)  done        1.7 s   vip 10.0.1.100 from node-b, eip 203.0.113.7 → 10.0.1.100 from node-b",
        "2026-11-30 16:02:11  BACKUP (release)  incomplete  5.2 s   data: volume data: umount /srv/data: target is busy; vip 10.0.1.100",
        "2026-11-30 16:05:00  MASTER (acquire)  failed      30.0 s  the transition lock /run/aws-ha/web.lock is held by pid 4242; fix: wait, or remove a stale lock",
        "2026-11-30 16:06:00  BACKUP (release)  superseded  0.0 s   nothing: superseded by MASTER",
        "",
      ].join("\n"),
    );
  });

  it("says when a transition found everything as wanted", () => {
    const nothing = { ...takeover, moved: [], steps: [] };
    expect(historyTable([nothing])).toMatch(/done +1\.7 s +nothing to change \(already here\)\n$/);
  });

  it("gives show its one line about the last transition", () => {
    expect(lastTransitionLine(takeover)).toBe(
      "last transition: 2026-11-30 15:40:02 UTC MASTER (acquire) done in 1.7 s: vip 10.0.1.100 from node-b, eip 203.0.113.7 → 10.0.1.100 from node-b",
    );
  });
});
