import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { WorldSpec } from "../support/ec2-standin/world-spec";
import { ids, nodeA, nodeB, type DescriptionInput, type ResourceInput } from "./support/cluster-fixture";
import { given } from "./support/given";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";
import { cloudHolders, instanceState } from "./support/world-view";

// fencing.stopPeerOnTakeover over HTTP: the real CLIs and SDK against the EC2 stand-in. A node that
// becomes master while the other still holds what its release would have given back (here a VIP,
// its Elastic IP and a route, all with release on) stops that node; the lower priority (B) waits
// stopPeerDelay and looks again, so two masters at once never stop each other.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** VIP, Elastic IP and overlay route, each given back in EC2 by a release. */
const releasing = (): ResourceInput[] => [
  { kind: "vip", name: "web-vip", address: ids.vip, prefix: 24, release: true },
  { kind: "eip", name: "web-eip", allocationId: ids.allocationId, publicIp: ids.publicIp, privateAddress: ids.vip, release: true },
  { kind: "route", name: "overlay", address: ids.overlay, routeTables: [ids.routeTable], release: true },
];

const stopPeer = (on = true): DescriptionInput["fencing"] => ({
  enabled: false,
  peerReleaseTimeout: 10,
  stopTimeout: 15,
  stopPeerOnTakeover: on,
  stopPeerDelay: 5,
});

const start = (arrange: (spec: WorldSpec) => void, options: { on?: boolean } = {}) =>
  startTwoNodeWorld({ resources: releasing, fencing: stopPeer(options.on ?? true), given: arrange, timeouts: { transition: 40 } });

const stops = (w: TwoNodeWorld) => w.ec2.calls.of("StopInstances").filter((c) => !c.dryRun);

describe("given B kept the VIP, its Elastic IP and the route (its keepalived died, its services run on)", () => {
  it("when A becomes master, the VIP, the Elastic IP and the route move to A, and B is stopped", async () => {
    world = await start((spec) => given.cloudOn(spec, nodeB));

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a", route: "node-a" });
    expect(instanceState(world.snapshot(), nodeB.instanceId)).toBe("stopped");
    expect(instanceState(world.snapshot(), nodeA.instanceId)).toBe("running");
    expect(stops(world).map((c) => c.params["InstanceId.1"])).toEqual([nodeB.instanceId]);
    expect(stops(world)[0]!.params.Force).toBe("true");
    expect(master.stderr).toContain(`fencing node-b, ${nodeB.instanceId}: stopping it with force, as it did not hand over`);
    expect(master.stderr).toMatch(/acquire done: .*; node-b stopped \(it did not hand over vip web-vip, eip web-eip, route overlay\)/);
    // The journal keeps it with what moved.
    const journal = readFileSync(join(world.a.historyDir, "journal.jsonl"), "utf8").trim().split("\n");
    expect((JSON.parse(journal.at(-1)!) as { moved: string[] }).moved).toContain(
      "node-b stopped (it did not hand over vip web-vip, eip web-eip, route overlay)",
    );
  });

  it("--dry-run on A says it would stop B, and nothing changes", async () => {
    world = await start((spec) => given.cloudOn(spec, nodeB));

    const plan = await world.a.run(["master", "--dry-run"]);

    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(
      `stop node-b (${nodeB.instanceId}) with force: it did not hand over vip web-vip, eip web-eip, route overlay`,
    );
    expect(world.mutatingCalls()).toEqual([]);
  });

  it("with the setting off, A takes everything and stops nobody", async () => {
    world = await start((spec) => given.cloudOn(spec, nodeB), { on: false });

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a", route: "node-a" });
    expect(stops(world)).toEqual([]);
    expect(instanceState(world.snapshot(), nodeB.instanceId)).toBe("running");
  });

  it("when A's own instance is stopping, A takes everything but stops nobody", async () => {
    world = await start((spec) => {
      given.cloudOn(spec, nodeB);
      spec.instances.find((i) => i.instanceId === nodeA.instanceId)!.state = "stopping";
    });

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(stops(world)).toEqual([]);
    expect(instanceState(world.snapshot(), nodeB.instanceId)).toBe("running");
    expect(master.stderr).toContain("not stopping node-b: this instance is stopping, and only a running instance stops its peer");
  });
});

describe("given a graceful handover: B was master and released everything before A became master", () => {
  it("nobody is stopped", async () => {
    world = await start(() => {});
    expect((await world.b.run(["master"])).code).toBe(0);
    expect((await world.b.run(["backup"])).code).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "nobody", eip: "nobody" });

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a", route: "node-a" });
    expect(stops(world)).toEqual([]);
    expect(master.stderr).not.toContain("did not hand over");
  });
});

describe("given the VIP is on an instance of the subnet that is no node of the cluster", () => {
  it("A takes the VIP and never stops that instance", async () => {
    world = await startTwoNodeWorld({
      resources: releasing,
      fencing: stopPeer(),
      stranger: true,
      given: (spec) => spec.interfaces.find((e) => e.privateIps.includes("10.0.1.12"))!.privateIps.push(ids.vip),
    });

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(cloudHolders(world.snapshot()).vip).toBe("node-a");
    expect(stops(world)).toEqual([]);
    expect(master.stderr).toContain("which is no node of cluster itest: it is not stopped");
  });
});

describe("given a split: the VIP and its Elastic IP on A, the route on B, and both become master at once", () => {
  it("exactly one StopInstances goes out, from A (the higher priority), and B stops nobody", async () => {
    world = await start((spec) => {
      given.vipOn(spec, nodeA);
      given.eipOn(spec, nodeA);
      given.routeTo(spec, nodeB);
    });

    const [onA, onB] = await Promise.all([world.a.run(["master"]), world.b.run(["master"])]);

    expect(onA.code, onA.stderr).toBe(0);
    // A node never stops itself: the one StopInstances names B, so it came from A.
    expect(stops(world).map((c) => c.params["InstanceId.1"])).toEqual([nodeB.instanceId]);
    expect(instanceState(world.snapshot(), nodeB.instanceId)).toBe("stopped");
    expect(instanceState(world.snapshot(), nodeA.instanceId)).toBe("running");
    expect(onB.stderr).toContain("waits 5 s (its turn by priority)");
    expect(onB.stderr).toMatch(/not stopping node-a: this instance is stopp(ing|ed)/);
  });
});

describe("`check` with only stopPeerOnTakeover on", () => {
  it("proves StopInstances on the peer by DryRun, and names a denial", async () => {
    world = await start(() => {});

    const allowed = await world.a.run(["check"]);
    expect(allowed.stdout).toMatch(/^ok +permission: StopInstances node-b allowed/m);
    // Its turn (the first: none) and the wait for the stop fit the transition's 40 s.
    expect(allowed.stdout).toMatch(
      /^ok +fencing: node-a stops a peer that did not hand over after its turn \(0 s\).*: 15 s, within timeouts\.transition \(40 s\)$/m,
    );

    world.ec2.faults.inject({ kind: "deny", actions: ["StopInstances"] });
    const denied = await world.a.run(["check"]);
    expect(denied.code).not.toBe(0);
    expect(denied.stdout).toMatch(/^FAIL +permission: StopInstances node-b denied/m);
    expect(stops(world).every((c) => c.dryRun)).toBe(true);
  });
});
