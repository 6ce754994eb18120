import { describe, expect, it } from "vitest";
import { stopInstancesCalls, summarizeCalls } from "./harness/api-calls";
import { holderOfVolume } from "./harness/cloud-control";
import { printTimeline } from "./harness/figures";
import { waitForSoleHolder } from "./harness/holdings";
import type { Lab } from "./harness/lab";
import { MountSampler } from "./harness/mount-sampler";
import { labBlocker } from "./harness/prerequisites";
import { announceSkip, labForScenarios, startPairHoldingData } from "./harness/scenario";
import { readProof } from "./harness/volume-data";
import { waitFor } from "./harness/wait";

// Scenario 5: the cluster link between the pair breaks while both still reach EC2. Both become
// MASTER; the single-writer rule must hold throughout, and fencing must settle who keeps the volume.

const blocker = labBlocker("keepalived");
announceSkip("keepalived partition", blocker);

describe.skipIf(blocker !== undefined)("keepalived pair: VRRP partition", () => {
  let lab: Lab;

  labForScenarios("keepalived-pair", "keepalived", (built) => (lab = built));

  it("5: both become master; the volume is never mounted twice and fencing resolves it", async () => {
    const { volume, holder: first, other, proof } = await startPairHoldingData(lab);

    const sampler = new MountSampler(lab, volume);
    sampler.start();
    let attachedTwice = 0;
    const attachmentWatch = setInterval(() => {
      const world = lab.watch.latest;
      if (world && holderOfVolume(world, volume.volumeId).length > 1) attachedTwice++;
    }, 20);
    try {
      const cutAt = Date.now();
      await lab.network.partition(first.name);
      // Both are MASTER now: the cut-off one never heard it lost anything.
      await waitFor(() => other.vrrpStateLines("MASTER", cutAt).length > 0, {
        what: `${other.name} to become MASTER behind the partition`,
        timeoutMs: 15_000,
      });
      expect(first.vrrpStateLines("BACKUP", cutAt)).toEqual([]);
      const { at } = await waitForSoleHolder(lab, other, 120_000);
      const calls = await lab.ec2.control.calls();
      expect(stopInstancesCalls(calls, cutAt).flatMap((c) => c.instanceIds)).toContain(first.instanceId);
      expect(sampler.doubleMounts).toEqual([]);
      expect(attachedTwice).toBe(0);
      expect(await readProof(other, volume.mountPoint)).toBe(proof);
      printTimeline({
        scenario: "5 partition",
        cause: "cut",
        causeAt: cutAt,
        daemonAt: other.vrrpStateLines("MASTER", cutAt)[0],
        notify: other.notify(cutAt),
        convergedAt: at,
        notes: [`${sampler.samples} mount samples, none doubled`, `EC2 calls: ${summarizeCalls(calls.filter((c) => c.at >= cutAt))}`],
      });
    } finally {
      sampler.stop();
      clearInterval(attachmentWatch);
    }
  });
});
