import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { WorldSpec } from "../support/ec2-standin/world-spec";
import { ids, nodeA, nodeB, type ResourceInput } from "./support/cluster-fixture";
import { fakeIpPath } from "./support/fake-ip";
import { startTwoNodeWorld, type SimulatedNode, type TwoNodeWorld } from "./support/two-node-world";

// Nodes with a second network interface, through the shipped aws-ha-notify over HTTP: resources
// that name eth1 move between the nodes' eth1 ENIs, found by the interface's MAC in IMDS, and never
// touch the eth0 ENIs. An eth1 missing on the node stops the transition before any change.

const eth1 = { a: "10.0.2.10", b: "10.0.2.11", vip: "10.0.2.100" } as const;
const nodes = [
  { ...nodeA, interfaces: [{ name: "eth0" }, { name: "eth1", address: eth1.a }] },
  { ...nodeB, interfaces: [{ name: "eth0" }, { name: "eth1", address: eth1.b }] },
];

/** As the stand-in's world is seeded from the description: the instance's id with the interface's place in front. */
const eth0Eni = (instanceId: string) => `eni-${instanceId.slice("i-".length)}`;
const eth1Eni = (instanceId: string) => `eni-1${instanceId.slice("i-0".length)}`;

const vipAndEip = (): ResourceInput[] => [
  { kind: "vip", name: "web-vip", address: eth1.vip, prefix: 24, interface: "eth1", release: true },
  { kind: "eip", name: "web-eip", allocationId: ids.allocationId, publicIp: ids.publicIp, privateAddress: eth1.vip, interface: "eth1" },
];
const overlayRoute = (): ResourceInput[] => [
  { kind: "route", name: "overlay", address: ids.overlay, routeTables: [ids.routeTable], interface: "eth1" },
];

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The node's links as its kernel would show them: each listed interface with its ENI's MAC. */
function linksOf(w: TwoNodeWorld, node: SimulatedNode, names: readonly string[] = ["eth0", "eth1"]) {
  const macOf = (eni: string) => w.snapshot().interfaces.find((e) => e.networkInterfaceId === eni)!.macAddress;
  const all = [
    { name: "eth0", mac: macOf(eth0Eni(node.instanceId)) },
    { name: "eth1", mac: macOf(eth1Eni(node.instanceId)) },
  ];
  return {
    PATH: fakeIpPath(
      join(node.dir, `ip-${names.join("-")}`),
      all.filter((l) => names.includes(l.name)),
    ),
  };
}

/** Every ENI a mutating call named (NetworkInterfaceId, and a route's target). */
const enisTouched = (w: TwoNodeWorld) => [
  ...new Set(w.mutatingCalls().flatMap((c) => (c.params.NetworkInterfaceId ? [c.params.NetworkInterfaceId] : []))),
];

const withVipOnB = (spec: WorldSpec) =>
  spec.interfaces.find((e) => e.networkInterfaceId === eth1Eni(nodeB.instanceId))!.privateIps.push(eth1.vip);

describe("resources on a node's second interface", () => {
  it("a VIP and its Elastic IP on eth1 move from B to A and back, touching only the eth1 ENIs", async () => {
    world = await startTwoNodeWorld({ nodes, resources: vipAndEip, given: withVipOnB });
    const w = world;

    const shown = await w.a.run(["show"], { env: linksOf(w, w.a) });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`${eth1.vip} on ${eth1Eni(nodeB.instanceId)} (node-b, ${nodeB.instanceId})`);

    const toA = await w.a.run(["master"], { env: linksOf(w, w.a) });
    expect(toA.code, toA.stderr).toBe(0);
    const onA = w.snapshot();
    expect(onA.interfaces.find((e) => e.privateIps.includes(eth1.vip))?.networkInterfaceId).toBe(eth1Eni(nodeA.instanceId));
    expect(w.association(ids.allocationId)).toMatchObject({ networkInterfaceId: eth1Eni(nodeA.instanceId), privateIp: eth1.vip });

    const toB = await w.b.run(["master"], { env: linksOf(w, w.b) });
    expect(toB.code, toB.stderr).toBe(0);
    expect(w.snapshot().interfaces.find((e) => e.privateIps.includes(eth1.vip))?.networkInterfaceId).toBe(eth1Eni(nodeB.instanceId));
    expect(w.association(ids.allocationId)).toMatchObject({ networkInterfaceId: eth1Eni(nodeB.instanceId), privateIp: eth1.vip });

    expect(w.mutatingCalls().length).toBeGreaterThan(0);
    expect(enisTouched(w).sort()).toEqual([eth1Eni(nodeA.instanceId), eth1Eni(nodeB.instanceId)].sort());
    // The eth0 ENIs carry what they carried: their own address alone.
    for (const node of [nodeA, nodeB])
      expect(w.snapshot().interfaces.find((e) => e.networkInterfaceId === eth0Eni(node.instanceId))?.privateIps).toEqual([node.address]);
  });

  it("--dry-run plans the move of the eth1 VIP and changes nothing", async () => {
    world = await startTwoNodeWorld({ nodes, resources: vipAndEip, given: withVipOnB });
    const before = world.snapshot();

    const plan = await world.a.run(["master", "--dry-run"], { env: linksOf(world, world.a) });

    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("acquire vip web-vip");
    expect(world.mutatingCalls()).toEqual([]);
    expect(world.snapshot()).toEqual(before);
  });

  it("a route on eth1 targets the eth1 ENI and turns off source/dest check on that ENI only", async () => {
    world = await startTwoNodeWorld({ nodes, resources: overlayRoute });
    const w = world;

    const taken = await w.a.run(["master"], { env: linksOf(w, w.a) });

    expect(taken.code, taken.stderr).toBe(0);
    const after = w.snapshot();
    const route = after.routeTables
      .find((t) => t.routeTableId === ids.routeTable)!
      .routes.find((r) => r.destinationCidrBlock === `${ids.overlay}/32`);
    expect(route?.networkInterfaceId).toBe(eth1Eni(nodeA.instanceId));
    const checkOf = (eni: string) => after.interfaces.find((e) => e.networkInterfaceId === eni)!.sourceDestCheck;
    expect(checkOf(eth1Eni(nodeA.instanceId))).toBe(false);
    expect([eth0Eni(nodeA.instanceId), eth0Eni(nodeB.instanceId), eth1Eni(nodeB.instanceId)].map(checkOf)).toEqual([true, true, true]);
    expect(w.mutatingCalls().map((c) => c.action)).not.toContain("ModifyInstanceAttribute");
    expect(
      w
        .mutatingCalls()
        .filter((c) => c.action === "ModifyNetworkInterfaceAttribute")
        .map((c) => c.params.NetworkInterfaceId),
    ).toEqual([eth1Eni(nodeA.instanceId)]);
  });

  it("an eth1 missing on the node at run time fails in one line naming it and the node, exit 5, and changes nothing in EC2", async () => {
    world = await startTwoNodeWorld({ nodes, resources: () => [...vipAndEip(), ...overlayRoute()], given: withVipOnB });
    const before = world.snapshot();

    const taken = await world.a.run(["master"], { env: linksOf(world, world.a, ["eth0"]) });

    expect(taken.code, taken.stderr).toBe(5);
    expect(taken.stderr.trim().split("\n")).toEqual([
      expect.stringContaining("interface eth1 of node node-a does not exist on this machine"),
    ]);
    expect(world.mutatingCalls()).toEqual([]);
    expect(world.snapshot()).toEqual(before);
  });
});
