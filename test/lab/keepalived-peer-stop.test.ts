import { describe, expect, it } from "vitest";
import { stopInstancesCalls, summarizeCalls } from "./harness/api-calls";
import { eipAssociation, instanceState, interfaceIps } from "./harness/cloud-control";
import { printTimeline } from "./harness/figures";
import { observe, waitForSoleHolder } from "./harness/holdings";
import type { Lab } from "./harness/lab";
import type { LabNode } from "./harness/lab-node";
import { labBlocker } from "./harness/prerequisites";
import { announceSkip, labForScenarios, startPairHoldingData } from "./harness/scenario";
import { readProof } from "./harness/volume-data";
import { waitFor } from "./harness/wait";

// A keepalived pair with fencing.stopPeerOnTakeover (volume fencing off): a node that becomes master
// while the other still holds what its release gives back stops it. Told as one story: a kill -9 of
// the master's keepalived (its services and mount run on), a partition with both nodes alive, a
// graceful stop. Each prints the time from its cause to the peer stopped and to the resources moved.

const blocker = labBlocker("keepalived");
announceSkip("keepalived peer stop", blocker);

/** When the VIP and its Elastic IP were first seen on `node`'s ENI (they move at once, not after the stop). */
function watchAddressesMoveTo(lab: Lab, node: LabNode): { at: () => number | undefined; stop: () => void } {
  const vip = lab.description.resources.find((r) => r.kind === "vip")!;
  const eip = lab.description.resources.find((r) => r.kind === "eip")!;
  if (vip.kind !== "vip" || eip.kind !== "eip") throw new Error("the fixture has a vip and an eip");
  const eni = node.member.networkInterfaceId!;
  let seenAt: number | undefined;
  const timer = setInterval(() => {
    const world = lab.watch.latest;
    if (seenAt !== undefined || !world) return;
    if (interfaceIps(world, eni).includes(vip.address) && eipAssociation(world, eip.allocationId)?.networkInterfaceId === eni)
      seenAt = Date.now();
  }, 20);
  return { at: () => seenAt, stop: () => clearInterval(timer) };
}

const secondsSince = (from: number, at: number | undefined) => (at === undefined ? "not seen" : `${((at - from) / 1000).toFixed(1)} s`);

describe.skipIf(blocker !== undefined)("keepalived pair: stopping a peer that did not hand over", () => {
  let lab: Lab;
  let master: LabNode;
  let backup: LabNode;
  let proof = "";
  const volumeOf = () => lab.volumeSpecs[0]!;

  labForScenarios("keepalived-peer-stop", "keepalived", (built) => (lab = built));

  it("1: kill -9 of the master's keepalived (its services run on); the new master takes over and stops it", async () => {
    ({ holder: master, other: backup, proof } = await startPairHoldingData(lab));
    expect(master.member.priority).toBeGreaterThan(backup.member.priority);

    const addresses = watchAddressesMoveTo(lab, backup);
    try {
      const killedAt = await master.keepalived.crash();
      // Nothing ran a release on the old master: its mount stays until it is stopped.
      expect(master.machine.mountAt(volumeOf().mountPoint)).toBeDefined();
      const { at } = await waitForSoleHolder(lab, backup, 120_000);
      const calls = await lab.ec2.control.calls();
      const stops = stopInstancesCalls(calls, killedAt);
      expect(stops.flatMap((c) => c.instanceIds)).toEqual([master.instanceId]);
      expect(instanceState((await observe(lab)).world, master.instanceId)).toMatch(/stopp/);
      expect(master.machine.poweredOn).toBe(false);
      expect(await readProof(backup, volumeOf().mountPoint)).toBe(proof);
      const stoppedAt = lab.power.stoppedAt.get(master.instanceId);
      // The VIP and the Elastic IP did not wait for the stop (the lower priority waits its turn first).
      expect(addresses.at()).toBeDefined();
      expect(addresses.at()!).toBeLessThan(stoppedAt ?? at);
      printTimeline({
        scenario: "1 kill -9 master, peer stopped on takeover",
        cause: "kill",
        causeAt: killedAt,
        daemonAt: backup.vrrpStateLines("MASTER", killedAt)[0],
        notify: backup.notify(killedAt),
        convergedAt: at,
        notes: [
          `VIP and Elastic IP moved ${secondsSince(killedAt, addresses.at())} after the kill`,
          `${master.name} stopped ${secondsSince(killedAt, stoppedAt)} after the kill`,
          `everything moved ${secondsSince(killedAt, at)} after the kill`,
          `EC2 calls: ${summarizeCalls(calls.filter((c) => c.at >= killedAt))}`,
        ],
      });
    } finally {
      addresses.stop();
    }
    [master, backup] = [backup, master];
  });

  it("2: a partition with both alive; the cut-off node becomes master too, and exactly one instance is stopped", async () => {
    // The stopped node comes back as backup (nopreempt).
    const returning = backup;
    await lab.restart(returning);
    const returnedAt = Date.now();
    returning.keepalived.start();
    await waitFor(() => returning.vrrpStateLines("BACKUP", returnedAt).length > 0, {
      what: `${returning.name} to enter BACKUP`,
      timeoutMs: 20_000,
    });

    const addresses = watchAddressesMoveTo(lab, returning);
    try {
      const cutAt = Date.now();
      await lab.network.partition(returning.name);
      await waitFor(() => returning.vrrpStateLines("MASTER", cutAt).length > 0, {
        what: `${returning.name} to become MASTER behind the partition`,
        timeoutMs: 20_000,
      });
      // The master on the other side heard nothing: it stays master and runs no event.
      expect(master.vrrpStateLines("BACKUP", cutAt)).toEqual([]);
      const { at } = await waitForSoleHolder(lab, returning, 120_000);
      const stops = stopInstancesCalls(await lab.ec2.control.calls(), cutAt);
      // The cut-off node (the higher priority, its turn first) stopped the old master; nobody stopped it.
      expect(stops.flatMap((c) => c.instanceIds)).toEqual([master.instanceId]);
      const world = (await observe(lab)).world;
      expect(instanceState(world, master.instanceId)).toMatch(/stopp/);
      expect(instanceState(world, returning.instanceId)).toBe("running");
      expect(await readProof(returning, volumeOf().mountPoint)).toBe(proof);
      const stoppedAt = lab.power.stoppedAt.get(master.instanceId);
      printTimeline({
        scenario: "2 partition, both alive",
        cause: "cut",
        causeAt: cutAt,
        daemonAt: returning.vrrpStateLines("MASTER", cutAt)[0],
        notify: returning.notify(cutAt),
        convergedAt: at,
        notes: [
          `VIP and Elastic IP moved ${secondsSince(cutAt, addresses.at())} after the cut`,
          `${master.name} stopped ${secondsSince(cutAt, stoppedAt)} after the cut`,
          `everything moved ${secondsSince(cutAt, at)} after the cut`,
          `StopInstances: ${stops.length}`,
        ],
      });
    } finally {
      addresses.stop();
      await lab.network.heal(returning.name);
    }
    [master, backup] = [returning, master];
  });

  it("3: a graceful stop of the master; it releases everything itself and nobody is stopped", async () => {
    const returning = backup;
    await lab.restart(returning);
    const returnedAt = Date.now();
    returning.keepalived.start();
    await waitFor(() => returning.vrrpStateLines("BACKUP", returnedAt).length > 0, {
      what: `${returning.name} to enter BACKUP`,
      timeoutMs: 20_000,
    });

    const stopping = master.keepalived.stop();
    const { at } = await waitForSoleHolder(lab, returning, 60_000);
    const { at: stoppedAt } = await stopping;
    // The new master is the lower priority: its turn to stop anyone comes stopPeerDelay later, and
    // its look then must find the old master gave the volume back.
    const turn = lab.description.fencing.stopPeerDelay * 1000;
    await waitFor(() => returning.notify(stoppedAt).some((r) => /acquire (done|incomplete)/.test(r.msg)), {
      what: `${returning.name}'s acquire to finish`,
      timeoutMs: 30_000 + turn,
    });
    const calls = await lab.ec2.control.calls();
    expect(stopInstancesCalls(calls, stoppedAt)).toEqual([]);
    const world = (await observe(lab)).world;
    expect(instanceState(world, master.instanceId)).toBe("running");
    expect(instanceState(world, returning.instanceId)).toBe("running");
    expect(await readProof(returning, volumeOf().mountPoint)).toBe(proof);
    const lookedAgain = returning.notify(stoppedAt).find((r) => /not stopping/.test(r.msg));
    printTimeline({
      scenario: "3 graceful stop",
      cause: "SIGTERM",
      causeAt: stoppedAt,
      daemonAt: returning.vrrpStateLines("MASTER", stoppedAt)[0],
      notify: returning.notify(stoppedAt),
      convergedAt: at,
      notes: [
        lookedAgain ? `looked again: ${lookedAgain.msg}` : "the old master had released before the new one looked",
        `EC2 calls: ${summarizeCalls(calls.filter((c) => c.at >= stoppedAt))}`,
      ],
    });
  });
});
