import { describe, expect, it } from "vitest";
import { stopInstancesCalls, summarizeCalls } from "./harness/api-calls";
import { printTimeline } from "./harness/figures";
import { waitForSoleHolder } from "./harness/holdings";
import type { Lab } from "./harness/lab";
import type { LabNode } from "./harness/lab-node";
import { labBlocker } from "./harness/prerequisites";
import { announceSkip, labForScenarios } from "./harness/scenario";
import { readProof, writeProof } from "./harness/volume-data";

// Scenario 7: three keepalived nodes; the master crashes twice in a row and each time the next
// highest priority takes everything, fencing the dead one to get the volume.

const blocker = labBlocker("keepalived");
announceSkip("keepalived trio", blocker);

describe.skipIf(blocker !== undefined)("keepalived trio: two successive master failures", () => {
  let lab: Lab;

  labForScenarios("keepalived-trio", "keepalived", (built) => (lab = built));

  it("7: the master dies, then the next one; the last node holds everything with the data", async () => {
    const volume = lab.volumeSpecs[0]!;
    await lab.startKeepalived();
    const byPriority = [...lab.nodes].sort((a, b) => b.member.priority - a.member.priority);
    await waitForSoleHolder(lab, byPriority[0], 60_000);
    const proof = await writeProof(byPriority[0]!, volume.mountPoint);

    let alive: LabNode[] = [...byPriority];
    for (const round of [1, 2]) {
      const dying = alive[0]!;
      alive = alive.slice(1);
      const next = alive[0]!;
      const killedAt = await dying.keepalived.crash();
      const { at } = await waitForSoleHolder(lab, next, 120_000);
      const calls = await lab.ec2.control.calls();
      expect(stopInstancesCalls(calls, killedAt).flatMap((c) => c.instanceIds)).toContain(dying.instanceId);
      expect(await readProof(next, volume.mountPoint)).toBe(proof);
      printTimeline({
        scenario: `7 trio failure ${round} (${dying.name}→${next.name})`,
        cause: "kill",
        causeAt: killedAt,
        daemonAt: next.vrrpStateLines("MASTER", killedAt)[0],
        notify: next.notify(killedAt),
        convergedAt: at,
        notes: [`EC2 calls: ${summarizeCalls(calls.filter((c) => c.at >= killedAt))}`],
      });
    }
  });
});
