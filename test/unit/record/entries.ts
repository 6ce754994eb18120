import type { JournalEntry } from "../../../src/record/journal-entry";

// Journal entries as the record tests meet them: a takeover, a release that failed half-way, one
// that could not run, one a newer event overtook.

export const takeover: JournalEntry = {
  time: "2026-11-30T15:40:02.123Z",
  event: "MASTER",
  direction: "acquire",
  cluster: "web",
  node: "node-a",
  outcome: "done",
  ms: 1734,
  moved: ["vip 10.0.1.100 from node-b", "eip 203.0.113.7 → 10.0.1.100 from node-b"],
  steps: [
    { name: "web-vip", kind: "vip", action: "acquire", outcome: "changed", ms: 812, held: true },
    { name: "web-eip", kind: "eip", action: "acquire", outcome: "unchanged", ms: 402, held: true },
    { name: "announce", kind: "hook", action: "acquire", outcome: "changed", ms: 20 },
  ],
  kept: [{ name: "overlay", kind: "route", held: true }],
};

export const failedRelease: JournalEntry = {
  time: "2026-11-30T16:02:11.000Z",
  event: "BACKUP",
  direction: "release",
  cluster: "web",
  node: "node-a",
  outcome: "incomplete",
  ms: 5210,
  moved: ["vip 10.0.1.100"],
  steps: [
    { name: "web-vip", kind: "vip", action: "release", outcome: "changed", ms: 300, held: false },
    {
      name: "data",
      kind: "volume",
      action: "release",
      outcome: "failed",
      ms: 4900,
      error: "volume data: umount /srv/data: target is busy\nlsof shows pid 812",
      held: true,
    },
  ],
  kept: [],
  error: "1 of 2 steps failed",
};

export const couldNotRun: JournalEntry = {
  time: "2026-11-30T16:05:00.000Z",
  event: "MASTER",
  direction: "acquire",
  cluster: "web",
  node: "node-a",
  outcome: "failed",
  ms: 30001,
  moved: [],
  steps: [],
  kept: [],
  error: "the transition lock /run/aws-ha/web.lock is held by pid 4242; fix: wait, or remove a stale lock",
};

export const overtaken: JournalEntry = {
  time: "2026-11-30T16:06:00.000Z",
  event: "BACKUP",
  direction: "release",
  cluster: "web",
  node: "node-a",
  outcome: "superseded",
  ms: 12,
  moved: [],
  steps: [],
  kept: [],
  supersededBy: "MASTER",
};
