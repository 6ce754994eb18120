import type { ResourceKind } from "../../../src/cluster/schema";
import type { WorldSnapshot } from "../../support/ec2-standin/snapshot";
import { ids, nodeA, nodeB, type ResourceInput } from "../support/cluster-fixture";
import { contractRoute53 } from "./contract-world";

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
  /** The two nodes, where the case needs more of them than the fixture's (an IPv6 address each, a second interface). */
  nodes?: (typeof nodeA & { address6?: string; interfaces?: { name: string; networkInterfaceId?: string; address?: string }[] })[];
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

/**
 * Nodes with a second interface, eth1, in another subnet: its ENI named in the description (the
 * contract's nodes have no IMDS to find it by MAC), attached as device 1, shown on the node as eth1.
 */
const twoInterfaces = {
  nodes: [
    {
      ...nodeA,
      interfaces: [{ name: "eth0" }, { name: "eth1", networkInterfaceId: "eni-0a1b2c3d4e5f6e1a1", address: "10.0.2.10" }],
    },
    {
      ...nodeB,
      interfaces: [{ name: "eth0" }, { name: "eth1", networkInterfaceId: "eni-0a1b2c3d4e5f6e1b1", address: "10.0.2.11" }],
    },
  ],
  vip: "10.0.2.100",
  eth1Enis: ["eni-0a1b2c3d4e5f6e1a1", "eni-0a1b2c3d4e5f6e1b1"],
};

/** The instance whose eth1 ENI has it; nobody while it is on any other ENI (an eth0). */
const onEth1 = (world: WorldSnapshot, eni: string | undefined) =>
  eni !== undefined && twoInterfaces.eth1Enis.includes(eni)
    ? world.interfaces.find((e) => e.networkInterfaceId === eni)?.instanceId
    : undefined;

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
    kind: "vip",
    spec: { kind: "vip", name: "web-vip-eth1", address: twoInterfaces.vip, prefix: 24, interface: "eth1", release: true },
    nodes: twoInterfaces.nodes,
    holds: "cloud",
    holderIn: (world) => onEth1(world, world.interfaces.find((e) => e.privateIps.includes(twoInterfaces.vip))?.networkInterfaceId),
  },
  {
    kind: "eip",
    // Without privateAddress: each node's own address on eth1.
    spec: { kind: "eip", name: "web-eip-eth1", allocationId: ids.allocationId, publicIp: ids.publicIp, interface: "eth1", release: true },
    nodes: twoInterfaces.nodes,
    holds: "cloud",
    holderIn: (world) => {
      const address = world.addresses.find((a) => a.allocationId === ids.allocationId);
      // Held only where it points at the node's eth1 address, as acquire leaves it.
      return address?.privateIp && ["10.0.2.10", "10.0.2.11"].includes(address.privateIp)
        ? onEth1(world, address.networkInterfaceId)
        : undefined;
    },
  },
  {
    kind: "route",
    spec: { kind: "route", name: "overlay-eth1", address: ids.overlay, routeTables: [ids.routeTable], interface: "eth1", release: true },
    nodes: twoInterfaces.nodes,
    holds: "cloud",
    holderIn: (world) =>
      onEth1(
        world,
        world.routeTables.find((t) => t.routeTableId === ids.routeTable)?.routes.find((r) => r.destinationCidrBlock === `${ids.overlay}/32`)
          ?.networkInterfaceId,
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
  {
    kind: "record",
    // Each node's own address: the record moves with the master, and release deletes it only while it names this node.
    spec: {
      kind: "record",
      name: "db-dns",
      hostedZoneId: "Z0A1B2C3D4E5F6RECORD",
      zone: "example.com.",
      recordName: "db.example.com.",
      release: true,
    },
    holds: "cloud",
    holderIn: (world) => {
      const value = contractRoute53().world.record("Z0A1B2C3D4E5F6RECORD", "db.example.com.", "A")?.values[0];
      return value === undefined ? undefined : world.interfaces.find((e) => e.privateIps[0] === value)?.instanceId;
    },
  },
  { kind: "service", spec: { kind: "service", name: "app", unit: "app.service" }, holds: "machine" },
  {
    kind: "hook",
    spec: { kind: "hook", name: "promote", acquire: ["/usr/local/bin/promote"], release: ["/usr/local/bin/demote"] },
    holds: "nothing",
  },
];
