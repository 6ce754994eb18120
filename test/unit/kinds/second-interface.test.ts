import { describe, expect, it } from "vitest";
import type { RouteSpec } from "../../../src/kinds/route/schema";
import { RouteResource } from "../../../src/kinds/route/resource";
import type { VipSpec } from "../../../src/kinds/vip/schema";
import { VipResource } from "../../../src/kinds/vip/resource";
import { a, b, clusterOf, onNode, transition, twoNodeEc2, zone } from "../support/cluster";

// Under Pacemaker (and Heartbeat) the resource puts the address on the machine itself: on the
// interface it names, whose ENI is the one EC2 moves the address to.

const eth1 = {
  a: { eni: "eni-0aaaaaaaaaaaaaa11", address: "10.0.2.10", mac: "0e:01:5a:00:00:0a" },
  b: { eni: "eni-0bbbbbbbbbbbbbb12", address: "10.0.2.11", mac: "0e:01:5a:00:00:0b" },
};

function world(resource: Record<string, unknown>) {
  const withEth1 = (n: typeof a, nic: typeof eth1.a) => ({
    ...n,
    interfaces: [{ name: "eth0" }, { name: "eth1", address: nic.address, networkInterfaceId: nic.eni }],
  });
  const description = clusterOf([resource], { manager: "pacemaker", nodes: [withEth1(a, eth1.a), withEth1(b, eth1.b)] });
  const ec2 = twoNodeEc2();
  for (const [n, nic] of [
    [a, eth1.a],
    [b, eth1.b],
  ] as const)
    ec2.addInterface({
      networkInterfaceId: nic.eni,
      subnetId: "subnet-0a2",
      availabilityZone: zone,
      privateIps: [nic.address],
      sourceDestCheck: true,
      instanceId: n.instanceId,
    });
  const nodeA = onNode(a, description, ec2);
  nodeA.host.fixedLinks.set("eth0", { mac: "0e:01:5a:00:00:01" });
  nodeA.host.fixedLinks.set("eth1", { mac: eth1.a.mac });
  return { ec2, description, nodeA };
}

describe("a resource on a node's second interface, under Pacemaker", () => {
  it("a vip on eth1 is assigned to the eth1 ENI and added to eth1, not eth0", async () => {
    const { ec2, description, nodeA } = world({ kind: "vip", name: "web-vip", address: "10.0.2.100", interface: "eth1" });

    const { outcome } = await transition(new VipResource(description.resources[0] as VipSpec), nodeA.ctx, "acquire");

    expect(outcome).toBe("changed");
    expect(ec2.interfaces.get(eth1.a.eni)!.privateIps).toContain("10.0.2.100");
    expect(ec2.interfaces.get(a.networkInterfaceId)!.privateIps).toEqual([a.address]);
    expect(nodeA.host.addresses.get("eth1")?.get("10.0.2.100")).toBe(24);
    expect(nodeA.host.addresses.get("eth0")?.has("10.0.2.100") ?? false).toBe(false);
  });

  it("a route on eth1 targets the eth1 ENI, turns its source/dest check off and leaves eth0's on", async () => {
    const { ec2, description, nodeA } = world({
      kind: "route",
      name: "overlay",
      address: "192.168.100.1",
      routeTables: ["rtb-0aaaaaaaaaaaaaaa1"],
      interface: "eth1",
    });
    ec2.addRouteTable("rtb-0aaaaaaaaaaaaaaa1", { "192.168.100.1/32": b.networkInterfaceId });

    await transition(new RouteResource(description.resources[0] as RouteSpec), nodeA.ctx, "acquire");

    expect(ec2.routeTables.get("rtb-0aaaaaaaaaaaaaaa1")!.get("192.168.100.1/32")).toBe(eth1.a.eni);
    expect(ec2.interfaces.get(eth1.a.eni)!.sourceDestCheck).toBe(false);
    expect(ec2.interfaces.get(a.networkInterfaceId)!.sourceDestCheck).toBe(true);
    expect(nodeA.host.addresses.get("eth1")?.get("192.168.100.1")).toBe(32);
  });
});
