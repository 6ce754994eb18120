import type { ResourceKind } from "../../../src/cluster/schema";
import type { WorldSnapshot } from "../../support/ec2-standin/snapshot";
import { ids, type ResourceInput } from "../support/cluster-fixture";

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
}

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
    kind: "volume",
    spec: { kind: "volume", name: "data", volumeId: ids.volumeId, device: ids.device, mountPoint: "/srv/data", fsType: "ext4" },
    holds: "cloud",
    peerLetsGo: true,
    holderIn: (world) =>
      world.volumes.find((v) => v.volumeId === ids.volumeId)?.attachments.find((a) => a.state === "attached")?.instanceId,
  },
  { kind: "service", spec: { kind: "service", name: "app", unit: "app.service" }, holds: "machine" },
  {
    kind: "hook",
    spec: { kind: "hook", name: "promote", acquire: ["/usr/local/bin/promote"], release: ["/usr/local/bin/demote"] },
    holds: "nothing",
  },
];
