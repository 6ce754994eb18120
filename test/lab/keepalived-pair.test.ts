import { describe, expect, it } from "vitest";
import { mutatingCalls, stopInstancesCalls, summarizeCalls } from "./harness/api-calls";
import { instanceState } from "./harness/cloud-control";
import { printTimeline } from "./harness/figures";
import { describeObservation, observe, soleHolder, waitForSoleHolder } from "./harness/holdings";
import type { Lab } from "./harness/lab";
import type { LabNode } from "./harness/lab-node";
import { labBlocker } from "./harness/prerequisites";
import { announceSkip, labForScenarios } from "./harness/scenario";
import { readProof, writeProof } from "./harness/volume-data";
import { sleep, waitFor } from "./harness/wait";

// A keepalived pair with a VIP, its Elastic IP and an EBS data volume, told as one story:
// start, crash of the master, its return without preemption, a graceful stop.

const blocker = labBlocker("keepalived");
announceSkip("keepalived pair", blocker);

describe.skipIf(blocker !== undefined)("keepalived pair: VIP, Elastic IP and data volume", () => {
  let lab: Lab;
  let master: LabNode;
  let backup: LabNode;
  let proof = "";
  const volumeOf = () => lab.volumeSpecs[0]!;

  labForScenarios("keepalived-pair", "keepalived", (built) => (lab = built));

  it("1: both start; exactly one master holds the VIP, the Elastic IP and the mounted volume", async () => {
    const startedAt = Date.now();
    await lab.startKeepalived();
    const { holder, at } = await waitForSoleHolder(lab, undefined, 60_000);
    master = lab.node(holder);
    backup = lab.nodes.find((n) => n !== master)!;
    // The higher priority wins the first election (both start BACKUP with nopreempt).
    expect(master.member.priority).toBeGreaterThan(backup.member.priority);
    expect(backup.vrrpStateLines("MASTER")).toEqual([]);
    expect(master.machine.mountAt(volumeOf().mountPoint)).toBeDefined();
    expect(backup.machine.mountAt(volumeOf().mountPoint)).toBeUndefined();
    proof = await writeProof(master, volumeOf().mountPoint);
    printTimeline({
      scenario: "1 start",
      cause: "start",
      causeAt: startedAt,
      daemonAt: master.vrrpStateLines("MASTER")[0],
      notify: master.notify(startedAt),
      convergedAt: at,
    });
  });

  it("2: kill -9 of the master's keepalived; the backup fences it and holds everything, data intact", async () => {
    const callsBefore = (await lab.ec2.control.calls()).length;
    const killedAt = await master.keepalived.crash();
    const { at } = await waitForSoleHolder(lab, backup, 120_000);
    const calls = await lab.ec2.control.calls();
    // keepalived died without a notify, so the volume stayed mounted on the old master: only
    // fencing (StopInstances) could free it.
    const stops = stopInstancesCalls(calls, killedAt);
    expect(stops.map((c) => c.instanceIds).flat()).toContain(master.instanceId);
    expect(instanceState((await observe(lab)).world, master.instanceId)).toMatch(/stopp/);
    expect(master.machine.poweredOn).toBe(false);
    expect(await readProof(backup, volumeOf().mountPoint)).toBe(proof);
    printTimeline({
      scenario: "2 kill -9 master",
      cause: "kill",
      causeAt: killedAt,
      daemonAt: backup.vrrpStateLines("MASTER", killedAt)[0],
      notify: backup.notify(killedAt),
      convergedAt: at,
      notes: [
        `fenced (instance stopped) ${(((lab.power.stoppedAt.get(master.instanceId) ?? at) - killedAt) / 1000).toFixed(1)} s after the kill`,
        `EC2 calls: ${summarizeCalls(calls.slice(callsBefore))}`,
      ],
    });
    [master, backup] = [backup, master];
  });

  it("3: the old master returns with nopreempt; it stays backup and nothing moves", async () => {
    const returning = backup;
    await lab.restart(returning);
    const returnedAt = Date.now();
    returning.keepalived.start();
    // A preempting node would take over ~3.4 s after start (reference §5); watch well past that.
    const watchUntil = Date.now() + 10_000;
    for (let i = 0; i < 200 && Date.now() < watchUntil; i++) {
      const o = await observe(lab);
      expect(soleHolder(lab, o), describeObservation(o)).toBe(master.name);
      await sleep(100);
    }
    await waitFor(() => returning.vrrpStateLines("BACKUP", returnedAt).length > 0, {
      what: `${returning.name} to enter BACKUP`,
      timeoutMs: 10_000,
    });
    expect(returning.vrrpStateLines("MASTER", returnedAt)).toEqual([]);
    expect(mutatingCalls(await lab.ec2.control.calls(), returnedAt)).toEqual([]);
    expect(returning.machine.mountAt(volumeOf().mountPoint)).toBeUndefined();
    console.log(
      `[lab] 3 return with nopreempt: ${returning.name} BACKUP ${(((returning.vrrpStateLines("BACKUP", returnedAt)[0] ?? returnedAt) - returnedAt) / 1000).toFixed(1)} s after start, no EC2 change`,
    );
  });

  it("4: graceful stop of the master; notify_stop releases the volume and the peer mounts it without fencing", async () => {
    // The world is watched while keepalived is still on its way out.
    const stopping = master.keepalived.stop();
    const { at } = await waitForSoleHolder(lab, backup, 60_000);
    const { at: stoppedAt, exitMs } = await stopping;
    const calls = await lab.ec2.control.calls();
    expect(stopInstancesCalls(calls, stoppedAt)).toEqual([]);
    // The old master is still running: it released the volume itself, past keepalived's 1 s kill.
    expect(instanceState((await observe(lab)).world, master.instanceId)).toBe("running");
    expect(master.machine.mountAt(volumeOf().mountPoint)).toBeUndefined();
    const releasedAt = master.notify(stoppedAt).find((r) => /release done/.test(r.msg))?.at;
    // The release finished on the old master itself, in the worker that outlives notify_stop.
    expect(releasedAt, "the old master's aws-ha-notify never logged 'release done'").toBeDefined();
    expect(await readProof(backup, volumeOf().mountPoint)).toBe(proof);
    printTimeline({
      scenario: "4 graceful stop",
      cause: "SIGTERM",
      causeAt: stoppedAt,
      daemonAt: backup.vrrpStateLines("MASTER", stoppedAt)[0],
      notify: backup.notify(stoppedAt),
      convergedAt: at,
      notes: [
        releasedAt ? `old master released in ${((releasedAt - stoppedAt) / 1000).toFixed(1)} s` : "old master's release line not seen",
        `keepalived exited in ${(exitMs / 1000).toFixed(1)} s`,
        `EC2 calls: ${summarizeCalls(calls.filter((c) => c.at >= stoppedAt))}`,
      ],
    });
    [master, backup] = [backup, master];
  });
});
