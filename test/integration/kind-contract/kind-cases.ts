import type { ResourceKind } from "../../../src/cluster/schema";
import type { WorldSnapshot } from "../../support/ec2-standin/snapshot";
import { ids, nodeA, nodeB, type ResourceInput } from "../support/cluster-fixture";

// One line of the contract's table per kind: the resource it is tried with, and what it holds.

export interface KindCase {
  kind: ResourceKind;
  spec: ResourceInput;
  /**
   * "cloud": EC2 gives it to one node at a time, so this node takes it from its peer;
   * "machine": each node has its own (a service), so there is no peer to take it from;
   * "nothing": a hook, which holds nothing, runs on every transition and is never inspected.
   */
  holds: "cloud" | "machine" | "nothing";
  /** One writer at a time: the peer lets go (its own release) while this node waits to take it. */
  peerLetsGo?: boolean;
  /** The instance EC2 gives it to now, read from the stand-in's world rather than from the resource. */
  holderIn?(world: WorldSnapshot): string | undefined;
  /** The two nodes, where the case needs more of them than the fixture's (an IPv6 address each). */
  nodes?: (typeof nodeA & { address6?: string })[];
}

/** The nodes of a dual-stack subnet, and an IPv6 address of it that neither carries. */
const dualStack = {
  nodes: [
    { ...nodeA, address6: "2001:db8:0:1::10" },
    { ...nodeB, address6: "2001:db8:0:1::11" },
  ],
  vip: "2001:db8:0:1::100",
  overlay: "2001:db8:ff00::1",
};

const instanceOfEni = (world: WorldSnapshot, eni: string | undefined) =>
  world.interfaces.find((e) => e.networkInterfaceId === eni)?.instanceId;

export const kindCases: KindCase[] = [
  {
    kind: "vip",
    spec: { kind: "vip", name: "web-vip", address: ids.vip, prefix: 24, release: true },
    holds: "cloud",
    holderIn: (world) => world.interfaces.find((e) => e.privateIps.includes(ids.vip))?.instanceId,
  },
  {
    kind: "vip",
    spec: { kind: "vip", name: "web-vip6", address: dualStack.vip, release: true },
    nodes: dualStack.nodes,
    holds: "cloud",
    holderIn: (world) => world.interfaces.find((e) => e.ipv6Addresses.includes(dualStack.vip))?.instanceId,
  },
  {
    kind: "eip",
    // On each node's own address: the contract tries one resource at a time, without a VIP to follow.
    spec: { kind: "eip", name: "web-eip", allocationId: ids.allocationId, publicIp: ids.publicIp, release: true },
    holds: "cloud",
    holderIn: (world) => instanceOfEni(world, world.addresses.find((a) => a.allocationId === ids.allocationId)?.networkInterfaceId),
  },
  {
    kind: "route",
    spec: { kind: "route", name: "overlay", address: ids.overlay, routeTables: [ids.routeTable], release: true },
    holds: "cloud",
    holderIn: (world) =>
      instanceOfEni(
        world,
        world.routeTables.find((t) => t.routeTableId === ids.routeTable)?.routes.find((r) => r.destinationCidrBlock === `${ids.overlay}/32`)
          ?.networkInterfaceId,
      ),
  },
  {
    kind: "route",
    spec: { kind: "route", name: "overlay6", address: dualStack.overlay, routeTables: [ids.routeTable], release: true },
    nodes: dualStack.nodes,
    holds: "cloud",
    holderIn: (world) =>
      instanceOfEni(
        world,
        world.routeTables
          .find((t) => t.routeTableId === ids.routeTable)
          ?.routes.find((r) => r.destinationCidrBlock === `${dualStack.overlay}/128`)?.networkInterfaceId,
      ),
  },
  {
    kind: "volume",
    spec: { kind: "volume", name: "data", volumeId: ids.volumeId, device: ids.device, mountPoint: "/srv/data", fsType: "ext4" },
    holds: "cloud",
    peerLetsGo: true,
    holderIn: (world) =>
      world.volumes.find((v) => v.volumeId === ids.volumeId)?.attachments.find((a) => a.state === "attached")?.instanceId,
  },
  {
    kind: "eni",
    spec: { kind: "eni", name: "appliance", networkInterfaceId: "eni-0a1b2c3d4e5f60f01", deviceIndex: 1, interface: "eth1" },
    holds: "cloud",
    // Attached to one instance at a time: the peer's release detaches it while this node waits.
    peerLetsGo: true,
    holderIn: (world) => instanceOfEni(world, "eni-0a1b2c3d4e5f60f01"),
  },
  { kind: "service", spec: { kind: "service", name: "app", unit: "app.service" }, holds: "machine" },
  {
    kind: "hook",
    spec: { kind: "hook", name: "promote", acquire: ["/usr/local/bin/promote"], release: ["/usr/local/bin/demote"] },
    holds: "nothing",
  },
];
