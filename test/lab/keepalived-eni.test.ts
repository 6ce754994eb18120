import { beforeAll, describe, expect, it } from "vitest";
import type { EniSpec } from "../../src/kinds/eni/schema";
import { mutatingCalls, stopInstancesCalls, summarizeCalls } from "./harness/api-calls";
import { instanceState } from "./harness/cloud-control";
import { EniLinks } from "./harness/eni-links";
import { printTimeline } from "./harness/figures";
import type { Lab } from "./harness/lab";
import type { LabNode } from "./harness/lab-node";
import { labBlocker } from "./harness/prerequisites";
import { announceSkip, labForScenarios } from "./harness/scenario";
import { sleep, waitFor } from "./harness/wait";

// A keepalived pair moving a whole secondary ENI between two nodes. The lab models the local side
// of EC2's hot plug (harness/eni-links.ts): a device with the ENI's MAC appears in the namespace of
// the node EC2 reports the ENI attached to, down, and aws-ha's eni kind finds it by its MAC and
// brings it up. Told as one story: start; graceful stop of the master, whose release brings the
// device down and detaches it, so the peer attaches it without fencing; the old master's return;
// kill -9 of the new master, which keeps the ENI, so the peer waits fencing.peerReleaseTimeout,
// stops it (fencing is on in the fixture), force-detaches the ENI and attaches it to itself.

const blocker = labBlocker("keepalived");
announceSkip("keepalived ENI move", blocker);

/** When each part of a move was first seen, lab clock. */
interface EniArrival {
  /** EC2 reports the ENI `attached` to the node's instance. */
  attachedAt: number;
  /** The device with the ENI's MAC is in the node's namespace. */
  deviceAt: number;
  /** … and up. */
  upAt: number;
}

describe.skipIf(blocker !== undefined)("keepalived pair: a whole ENI moves between two nodes", () => {
  let lab: Lab;
  let links: EniLinks;
  let master: LabNode;
  let backup: LabNode;
  const eni = () => lab.description.resources.find((r): r is EniSpec => r.kind === "eni")!;
  const mac = () => links.links[0]!.macAddress;

  labForScenarios("keepalived-eni", "keepalived", (built) => (lab = built));
  beforeAll(async () => {
    links = await EniLinks.create(lab);
    expect(links.locationOf(eni().networkInterfaceId)).toBe("hub");
  });

  /** The ENI as EC2 describes it: attached to which instance, in what state, at which device index. */
  async function eniInEc2(): Promise<{ instanceId?: string; state?: string; deviceIndex: number; macAddress: string }> {
    const e = (await lab.ec2.client.world()).interfaces.find((i) => i.networkInterfaceId === eni().networkInterfaceId)!;
    return {
      ...(e.instanceId === undefined ? {} : { instanceId: e.instanceId }),
      ...(e.attachmentState === undefined ? {} : { state: e.attachmentState }),
      deviceIndex: e.deviceIndex,
      macAddress: e.macAddress,
    };
  }

  /** Polls EC2 and the namespaces until the ENI is attached to `node`, its device up there and nowhere else; bounded. */
  async function waitForEniOn(node: LabNode, timeoutMs: number): Promise<EniArrival> {
    const seen: Partial<EniArrival> = {};
    const others = lab.nodes.filter((n) => n !== node);
    let last = "nothing read yet";
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < Math.ceil(timeoutMs / 50) + 1 && Date.now() <= deadline; i++) {
      const inEc2 = await eniInEc2();
      const now = Date.now();
      if (seen.attachedAt === undefined && inEc2.instanceId === node.instanceId && inEc2.state === "attached") seen.attachedAt = now;
      const device = await links.deviceIn(node.name, mac());
      if (seen.deviceAt === undefined && device) seen.deviceAt = Date.now();
      if (seen.upAt === undefined && device?.up) seen.upAt = Date.now();
      const elsewhere = [];
      for (const other of others) if (await links.deviceIn(other.name, mac())) elsewhere.push(other.name);
      last = `EC2: ${inEc2.state ?? "available"} ${inEc2.instanceId ?? ""}; on ${node.name}: ${device ? `${device.name} ${device.up ? "up" : "down"}` : "no device"}; also on [${elsewhere.join(", ")}]`;
      if (seen.attachedAt !== undefined && seen.deviceAt !== undefined && seen.upAt !== undefined && elsewhere.length === 0)
        return seen as EniArrival;
      await sleep(50);
    }
    throw new Error(
      `timed out after ${timeoutMs / 1000} s waiting for ${eni().networkInterfaceId} to be attached and up on ${node.name}; last seen: ${last}`,
    );
  }

  /** The ENI's Attach/DetachNetworkInterface calls since `since`, with what they named. */
  async function eniCalls(since: number) {
    return (await lab.ec2.client.calls(since))
      .filter((c) => c.action === "AttachNetworkInterface" || c.action === "DetachNetworkInterface")
      .map((c) => ({ action: c.action, at: c.at, error: c.error, params: c.params }));
  }

  /** The ENI's device on `node` must be the description's interface, with the ENI's MAC, up with a carrier. */
  async function expectDeviceUp(node: LabNode): Promise<void> {
    const device = await links.deviceIn(node.name, mac());
    expect(device, `${node.name} has no device with ${mac()}`).toBeDefined();
    expect(device!.name).toBe(eni().interface);
    expect(device!.up).toBe(true);
    expect(device!.operstate).toBe("UP");
    for (const other of lab.nodes.filter((n) => n !== node)) expect(await links.deviceIn(other.name, mac()), other.name).toBeUndefined();
  }

  const since = (causeAt: number, at: number | undefined) => (at === undefined ? "never" : `${((at - causeAt) / 1000).toFixed(1)} s`);
  const arrivalNotes = (a: EniArrival, causeAt: number) => [
    `stand-in attached ${since(causeAt, a.attachedAt)}, device in the namespace ${since(causeAt, a.deviceAt)}, up ${since(causeAt, a.upAt)} after the cause`,
  ];

  it("1: both start; the master attaches the ENI at its device index, and its device appears by MAC and is brought up", async () => {
    const startedAt = Date.now();
    await lab.startKeepalived();
    const first = lab.nodes.reduce((a, b) => (a.member.priority > b.member.priority ? a : b));
    const arrival = await waitForEniOn(first, 60_000);
    master = first;
    backup = lab.nodes.find((n) => n !== master)!;
    expect(backup.vrrpStateLines("MASTER")).toEqual([]);
    const inEc2 = await eniInEc2();
    expect(inEc2).toEqual({ instanceId: master.instanceId, state: "attached", deviceIndex: eni().deviceIndex, macAddress: mac() });
    await expectDeviceUp(master);
    expect(links.locationOf(eni().networkInterfaceId)).toBe(master.name);
    const attaches = (await eniCalls(startedAt)).filter((c) => c.action === "AttachNetworkInterface" && c.error === undefined);
    expect(attaches.map((c) => [c.params.NetworkInterfaceId, c.params.InstanceId, c.params.DeviceIndex])).toEqual([
      [eni().networkInterfaceId, master.instanceId, String(eni().deviceIndex)],
    ]);
    // The device came down into the namespace, as a hot-plugged one does; aws-ha brought it up.
    await waitFor(
      () => master.notify(startedAt).some((r) => r.msg.startsWith(`bringing ${eni().interface} (${eni().networkInterfaceId}) up`)),
      {
        what: `${master.name}'s aws-ha-notify to log bringing ${eni().interface} up`,
        timeoutMs: 10_000,
      },
    );
    printTimeline({
      scenario: "eni 1 start",
      cause: "start",
      causeAt: startedAt,
      daemonAt: master.vrrpStateLines("MASTER")[0],
      notify: master.notify(startedAt),
      convergedAt: arrival.upAt,
      notes: arrivalNotes(arrival, startedAt),
    });
  });

  it("2: graceful stop of the master; its release brings the device down and detaches the ENI, and the peer attaches it without fencing", async () => {
    const stopping = master.keepalived.stop();
    const arrival = await waitForEniOn(backup, 60_000);
    const { at: stoppedAt, exitMs } = await stopping;
    await expectDeviceUp(backup);
    expect(await eniInEc2()).toMatchObject({ instanceId: backup.instanceId, state: "attached", deviceIndex: eni().deviceIndex });
    const calls = await eniCalls(stoppedAt);
    const detach = calls.find((c) => c.action === "DetachNetworkInterface" && c.error === undefined);
    const attach = calls.find((c) => c.action === "AttachNetworkInterface" && c.error === undefined);
    expect(detach, JSON.stringify(calls)).toBeDefined();
    // The old master let go by itself: a plain detach, no fencing, and the old master still runs.
    expect(detach!.params.Force ?? "false").toBe("false");
    expect(attach!.params.InstanceId).toBe(backup.instanceId);
    expect(detach!.at).toBeLessThan(attach!.at);
    expect(stopInstancesCalls(await lab.ec2.control.calls(), stoppedAt)).toEqual([]);
    expect(instanceState(await lab.ec2.control.state(), master.instanceId)).toBe("running");
    const released = master.notify(stoppedAt);
    expect(released.map((r) => r.msg)).toContainEqual(`bringing ${eni().interface} (${eni().networkInterfaceId}) down`);
    expect(released.some((r) => r.msg.startsWith(`detaching ${eni().networkInterfaceId}`))).toBe(true);
    // The device left the old master's namespace for the hub (detached) before it reached the new one.
    const moves = links.moves.filter((m) => m.at >= stoppedAt).map((m) => m.to);
    expect(moves).toEqual(["hub", backup.name]);
    const detachedAt = links.moves.find((m) => m.at >= stoppedAt && m.to === "hub")!.at;
    printTimeline({
      scenario: "eni 2 graceful stop",
      cause: "SIGTERM",
      causeAt: stoppedAt,
      daemonAt: backup.vrrpStateLines("MASTER", stoppedAt)[0],
      notify: backup.notify(stoppedAt),
      convergedAt: arrival.upAt,
      notes: [
        `old master's device gone (detached) ${since(stoppedAt, detachedAt)}`,
        ...arrivalNotes(arrival, stoppedAt),
        `keepalived exited in ${(exitMs / 1000).toFixed(1)} s`,
        `EC2 calls: ${summarizeCalls((await lab.ec2.control.calls()).filter((c) => c.at >= stoppedAt))}`,
      ],
    });
    [master, backup] = [backup, master];
  });

  it("3: the old master returns with nopreempt and stays backup; the ENI stays where it is", async () => {
    const returnedAt = Date.now();
    backup.keepalived.start();
    await waitFor(() => backup.vrrpStateLines("BACKUP", returnedAt).length > 0, {
      what: `${backup.name} to enter BACKUP`,
      timeoutMs: 15_000,
    });
    await sleep(6_000);
    expect(backup.vrrpStateLines("MASTER", returnedAt)).toEqual([]);
    expect(mutatingCalls(await lab.ec2.control.calls(), returnedAt)).toEqual([]);
    expect(await eniInEc2()).toMatchObject({ instanceId: master.instanceId, state: "attached" });
    await expectDeviceUp(master);
  });

  it("4: kill -9 of the master's keepalived; the peer waits peerReleaseTimeout, fences it, force-detaches the ENI and attaches it", async () => {
    const { peerReleaseTimeout } = lab.description.fencing;
    const callsBefore = (await lab.ec2.control.calls()).length;
    const killedAt = await master.keepalived.crash();
    const arrival = await waitForEniOn(backup, 120_000);
    await expectDeviceUp(backup);
    const world = await lab.ec2.control.state();
    // keepalived died without a notify, so the ENI stayed attached to the dead node: only fencing
    // could free it, and it came only after the peer had waited its peerReleaseTimeout.
    const masterAt = backup.vrrpStateLines("MASTER", killedAt)[0];
    expect(masterAt, `${backup.name} never entered MASTER`).toBeDefined();
    const stops = stopInstancesCalls(await lab.ec2.control.calls(), killedAt);
    expect(stops.flatMap((c) => c.instanceIds)).toEqual([master.instanceId]);
    expect(stops[0]!.at - masterAt!).toBeGreaterThanOrEqual(peerReleaseTimeout * 1000 - 500);
    expect(instanceState(world, master.instanceId)).toMatch(/stopp/);
    expect(master.machine.poweredOn).toBe(false);
    const calls = await eniCalls(killedAt);
    const forced = calls.find((c) => c.action === "DetachNetworkInterface" && c.error === undefined);
    const attach = calls.find((c) => c.action === "AttachNetworkInterface" && c.error === undefined);
    expect(forced?.params.Force, JSON.stringify(calls)).toBe("true");
    expect(forced!.at).toBeGreaterThan(stops[0]!.at);
    expect(attach!.params.InstanceId).toBe(backup.instanceId);
    expect(attach!.at).toBeGreaterThan(forced!.at);
    expect(await eniInEc2()).toMatchObject({ instanceId: backup.instanceId, state: "attached", deviceIndex: eni().deviceIndex });
    const log = backup.notify(killedAt).map((r) => r.msg);
    expect(
      log.some((m) => m.startsWith(`fencing ${master.name}`) || m.startsWith(`fencing ${master.instanceId}`)),
      log.join(" | "),
    ).toBe(true);
    expect(
      log.some((m) => m.startsWith(`force-detaching ${eni().networkInterfaceId} from ${master.instanceId}`)),
      log.join(" | "),
    ).toBe(true);
    const fencedAt = lab.power.stoppedAt.get(master.instanceId);
    printTimeline({
      scenario: "eni 4 kill -9 master",
      cause: "kill",
      causeAt: killedAt,
      daemonAt: masterAt,
      notify: backup.notify(killedAt),
      convergedAt: arrival.upAt,
      notes: [
        `StopInstances ${since(killedAt, stops[0]!.at)} (${((stops[0]!.at - masterAt!) / 1000).toFixed(1)} s after MASTER; peerReleaseTimeout ${peerReleaseTimeout} s)`,
        `fenced node powered off ${since(killedAt, fencedAt)}`,
        `forced detach ${since(killedAt, forced!.at)}`,
        ...arrivalNotes(arrival, killedAt),
        `EC2 calls: ${summarizeCalls((await lab.ec2.control.calls()).slice(callsBefore))}`,
      ],
    });
    [master, backup] = [backup, master];
  });
});
