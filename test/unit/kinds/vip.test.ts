import { describe, expect, it } from "vitest";
import type { VipSpec } from "../../../src/kinds/vip/schema";
import type { Resource } from "../../../src/kinds/resource";
import { VipResource } from "../../../src/kinds/vip/resource";
import { AwsHaError } from "../../../src/errors";
import { a, b, clusterOf, onNode, transition, twoNodeEc2 } from "../support/cluster";

const vipSpec = (release = false) => ({ kind: "vip", name: "web-vip", address: "10.0.1.100", prefix: 24, release });

function world(options: { release?: boolean; manager?: "keepalived" | "heartbeat"; heldBy?: typeof a } = {}) {
  const description = clusterOf([vipSpec(options.release)], { manager: options.manager ?? "keepalived" });
  const ec2 = twoNodeEc2();
  if (options.heldBy) ec2.interfaces.get(options.heldBy.networkInterfaceId)!.privateIps.push("10.0.1.100");
  ec2.calls.length = 0;
  const vip: Resource = new VipResource(description.resources[0] as VipSpec);
  return { ec2, vip, nodeA: onNode(a, description, ec2), nodeB: onNode(b, description, ec2) };
}

describe("a VIP (secondary private IP)", () => {
  it("given node B holds the VIP, when A acquires, the VIP is on A's ENI and B's ENI has only its primary", async () => {
    const { ec2, vip, nodeA, nodeB } = world({ heldBy: b });

    const { before, outcome } = await transition(vip, nodeA.ctx, "acquire");

    expect(before).toMatchObject({
      held: false,
      holder: b.instanceId,
      detail: `10.0.1.100 on ${b.networkInterfaceId} (node-b, ${b.instanceId})`,
    });
    expect(outcome).toBe("changed");
    expect(ec2.interfaces.get(a.networkInterfaceId)!.privateIps).toEqual([a.address, "10.0.1.100"]);
    expect(ec2.interfaces.get(b.networkInterfaceId)!.privateIps).toEqual([b.address]);
    expect(await vip.inspect(nodeA.ctx)).toMatchObject({ held: true, detail: `10.0.1.100 on ${a.networkInterfaceId} (this node)` });
    expect(await vip.inspect(nodeB.ctx)).toMatchObject({ held: false, holder: a.instanceId });
  });

  it("under keepalived, which adds VIPs itself, acquire leaves the interface alone", async () => {
    const { vip, nodeA } = world({ heldBy: b });
    await transition(vip, nodeA.ctx, "acquire");
    expect(nodeA.host.calls).toEqual([]);
  });

  it("acquiring a VIP this node already holds makes no mutating call", async () => {
    const { ec2, vip, nodeA } = world({ heldBy: a });
    const { before, outcome } = await transition(vip, nodeA.ctx, "acquire");
    expect(before.held).toBe(true);
    expect(outcome).toBe("unchanged");
    expect(ec2.calls).toEqual([]);
  });

  it("releasing without the release flag makes no EC2 call and leaves the VIP where it is", async () => {
    const { ec2, vip, nodeA } = world({ heldBy: a });
    const { outcome } = await transition(vip, nodeA.ctx, "release");
    expect(outcome).toBe("unchanged");
    expect(ec2.calls).toEqual([]);
    expect(ec2.interfaces.get(a.networkInterfaceId)!.privateIps).toContain("10.0.1.100");
  });

  it("with the release flag, a release unassigns the VIP while it is still ours", async () => {
    const { ec2, vip, nodeA } = world({ heldBy: a, release: true });
    expect((await transition(vip, nodeA.ctx, "release")).outcome).toBe("changed");
    expect(ec2.calls).toEqual([`unassignPrivateIp ${a.networkInterfaceId} 10.0.1.100`]);
    expect(ec2.interfaces.get(a.networkInterfaceId)!.privateIps).toEqual([a.address]);
  });

  it("with the release flag, a release after the peer took the VIP over leaves it with the peer", async () => {
    const { ec2, vip, nodeA, nodeB } = world({ heldBy: a, release: true });
    const before = await vip.inspect(nodeA.ctx);
    await transition(vip, nodeB.ctx, "acquire");
    ec2.calls.length = 0;

    expect(await vip.release(nodeA.ctx, before)).toBe("unchanged");
    expect(ec2.calls).toEqual([]);
    expect(ec2.interfaces.get(b.networkInterfaceId)!.privateIps).toContain("10.0.1.100");
  });

  describe("under Heartbeat, where nothing else puts the address on the interface", () => {
    it("acquire adds the address with its prefix and announces it", async () => {
      const { vip, nodeA } = world({ heldBy: b, manager: "heartbeat" });
      await transition(vip, nodeA.ctx, "acquire");
      expect(nodeA.host.calls).toEqual(["addAddress eth0 10.0.1.100/24", "announceAddress eth0 10.0.1.100"]);
      expect(await vip.inspect(nodeA.ctx)).toMatchObject({ held: true });
    });

    it("an address EC2 still gives us but the interface lost (a reboot) is not held, and acquire puts it back", async () => {
      const { vip, nodeA } = world({ heldBy: a, manager: "heartbeat" });
      const { before } = await transition(vip, nodeA.ctx, "acquire");
      expect(before).toMatchObject({ held: false, partial: true, detail: expect.stringContaining("but not on eth0") });
      expect(nodeA.host.addressesOn("eth0")).toEqual(["10.0.1.100"]);
    });

    it("release removes the local address even when the peer holds the VIP in EC2 now, and calls EC2 not at all", async () => {
      const { ec2, vip, nodeA } = world({ heldBy: b, manager: "heartbeat" });
      await nodeA.host.addAddress("eth0", "10.0.1.100", 24);
      const { before, outcome } = await transition(vip, nodeA.ctx, "release");
      expect(before).toMatchObject({ held: false, partial: true });
      expect(outcome).toBe("changed");
      expect(nodeA.host.addressesOn("eth0")).toEqual([]);
      expect(ec2.calls).toEqual([]);
    });
  });
});

describe("an IPv6 VIP, which EC2 cannot reassign", () => {
  const vip6 = "2001:db8:0:1::100";
  const dualStack = {
    nodes: [
      { ...a, address6: "2001:db8:0:1::10" },
      { ...b, address6: "2001:db8:0:1::11" },
    ],
  };

  function world6(options: { release?: boolean; manager?: "keepalived" | "heartbeat"; heldBy?: typeof a } = {}) {
    const description = clusterOf([{ kind: "vip", name: "web-vip6", address: vip6, release: options.release ?? false }], {
      manager: options.manager ?? "keepalived",
      ...dualStack,
    });
    const ec2 = twoNodeEc2();
    if (options.heldBy) ec2.interfaces.get(options.heldBy.networkInterfaceId)!.ipv6Addresses = [vip6];
    ec2.calls.length = 0;
    const vip: Resource = new VipResource(description.resources[0] as VipSpec);
    return { ec2, vip, nodeA: onNode(a, description, ec2), nodeB: onNode(b, description, ec2) };
  }

  it("given node B holds it, when A acquires: unassigned from B's ENI first, then assigned to A's, and inspect agrees", async () => {
    const { ec2, vip, nodeA, nodeB } = world6({ heldBy: b });

    const { before, outcome } = await transition(vip, nodeA.ctx, "acquire");

    expect(before).toMatchObject({
      held: false,
      holder: b.instanceId,
      detail: `${vip6} on ${b.networkInterfaceId} (node-b, ${b.instanceId})`,
    });
    expect(outcome).toBe("changed");
    expect(ec2.calls).toEqual([`unassignIpv6 ${b.networkInterfaceId} ${vip6}`, `assignIpv6 ${a.networkInterfaceId} ${vip6}`]);
    expect(ec2.interfaces.get(a.networkInterfaceId)!.ipv6Addresses).toEqual([vip6]);
    expect(ec2.interfaces.get(b.networkInterfaceId)!.ipv6Addresses).toEqual([]);
    expect(await vip.inspect(nodeA.ctx)).toMatchObject({ held: true });
    expect(await vip.inspect(nodeB.ctx)).toMatchObject({ held: false, holder: a.instanceId });
  });

  it("on no ENI yet, acquire only assigns it", async () => {
    const { ec2, vip, nodeA } = world6();
    expect((await transition(vip, nodeA.ctx, "acquire")).outcome).toBe("changed");
    expect(ec2.calls).toEqual([`assignIpv6 ${a.networkInterfaceId} ${vip6}`]);
  });

  it("already ours, acquire makes no EC2 call", async () => {
    const { ec2, vip, nodeA } = world6({ heldBy: a });
    expect((await transition(vip, nodeA.ctx, "acquire")).outcome).toBe("unchanged");
    expect(ec2.calls).toEqual([]);
  });

  it("when the peer takes it back between the unassignment and the assignment, acquire fails as a conflict naming the holder, and takes nothing", async () => {
    const { ec2, vip, nodeA } = world6({ heldBy: b });
    const unassign = ec2.unassignIpv6.bind(ec2);
    ec2.unassignIpv6 = async (eni, address) => {
      await unassign(eni, address);
      ec2.interfaces.get(b.networkInterfaceId)!.ipv6Addresses = [vip6];
    };

    const error = await transition(vip, nodeA.ctx, "acquire").then(
      () => undefined,
      (e: unknown) => e as AwsHaError,
    );
    expect(error).toBeInstanceOf(AwsHaError);
    expect(error!.kind).toBe("conflict");
    expect(error!.describe()).toBe(
      `web-vip6: ${vip6} was taken by ${b.networkInterfaceId} (node-b, ${b.instanceId}) while this node was moving it; two nodes are acquiring it at once: check that the cluster manager sees both nodes (one master only), then let it retry`,
    );
    expect(ec2.interfaces.get(a.networkInterfaceId)!.ipv6Addresses ?? []).toEqual([]);
  });

  it("with the release flag, release unassigns it while ours, and leaves it with a peer that took it meanwhile", async () => {
    const { ec2, vip, nodeA, nodeB } = world6({ heldBy: a, release: true });
    expect((await transition(vip, nodeA.ctx, "release")).outcome).toBe("changed");
    expect(ec2.calls).toEqual([`unassignIpv6 ${a.networkInterfaceId} ${vip6}`]);

    await transition(vip, nodeA.ctx, "acquire");
    const before = await vip.inspect(nodeA.ctx);
    await transition(vip, nodeB.ctx, "acquire");
    ec2.calls.length = 0;
    expect(await vip.release(nodeA.ctx, before)).toBe("unchanged");
    expect(ec2.calls).toEqual([]);
    expect(ec2.interfaces.get(b.networkInterfaceId)!.ipv6Addresses).toEqual([vip6]);
  });

  it("under Heartbeat, acquire adds the address as a /64 (the default prefix for IPv6) and asks for the announcement", async () => {
    const { vip, nodeA } = world6({ heldBy: b, manager: "heartbeat" });
    await transition(vip, nodeA.ctx, "acquire");
    expect(nodeA.host.calls).toEqual([`addAddress eth0 ${vip6}/64`, `announceAddress eth0 ${vip6}`]);
  });
});
