import type { z } from "zod";
import type { clusterDescriptionSchema, resourceSchema } from "../../../src/cluster/schema";
import type { NodeScripts } from "./node-scripts";

// The two-node cluster every scenario starts from, and one factory per resource kind. Resources
// that touch the machine (the volume's mount point, the service script, the hook) name paths in the
// node's own directory, which is why each node reads its own copy of the description.

export type DescriptionInput = z.input<typeof clusterDescriptionSchema>;
export type ResourceInput = z.input<typeof resourceSchema>;

export const cluster = "itest";
export const region = "us-east-1";

export const nodeA = { name: "node-a", address: "10.0.1.10", instanceId: "i-0a1b2c3d4e5f6000a", interface: "eth0", priority: 150 };
export const nodeB = { name: "node-b", address: "10.0.1.11", instanceId: "i-0a1b2c3d4e5f6000b", interface: "eth0", priority: 100 };
export type NodeName = typeof nodeA.name | typeof nodeB.name;
/** An instance of the nodes' subnet that the description does not name. */
export const stranger = { address: "10.0.1.12", instanceId: "i-0a1b2c3d4e5f6000c" } as const;

export const ids = {
  vip: "10.0.1.100",
  allocationId: "eipalloc-0a1b2c3d4e5f60e01",
  publicIp: "203.0.113.10",
  overlay: "192.168.100.1",
  routeTable: "rtb-0a1b2c3d4e5f60c01",
  volumeId: "vol-0a1b2c3d4e5f60d01",
  /** A name no disk of this machine has: the product falls back to Xen names when no by-id link shows. */
  device: "/dev/sdp",
  /** An Elastic IP of the account that the description does not name. */
  otherAllocationId: "eipalloc-0a1b2c3d4e5f60e02",
  otherPublicIp: "203.0.113.11",
  /** A private address of the nodes' subnet that no resource names (see given.secondaryAddressOn). */
  secondaryAddress: "10.0.1.50",
} as const;

/** A node's own corner of the machine. */
export interface NodePaths {
  name: NodeName;
  dir: string;
  mountPoint: string;
  scripts: NodeScripts;
}

export const resource = {
  vip: (release = false): ResourceInput => ({ kind: "vip", name: "web-vip", address: ids.vip, prefix: 24, release }),
  eip: (): ResourceInput => ({
    kind: "eip",
    name: "web-eip",
    allocationId: ids.allocationId,
    publicIp: ids.publicIp,
    privateAddress: ids.vip,
  }),
  /** The Elastic IP alone, pointed at the holder's primary address (as aws-ha-updateeip moves it). */
  eipOnPrimary: (release = false): ResourceInput => ({
    kind: "eip",
    name: "web-eip",
    allocationId: ids.allocationId,
    publicIp: ids.publicIp,
    ...(release ? { release } : {}),
  }),
  route: (): ResourceInput => ({ kind: "route", name: "overlay", address: ids.overlay, routeTables: [ids.routeTable] }),
  volume: (node: NodePaths): ResourceInput => ({
    kind: "volume",
    name: "data",
    volumeId: ids.volumeId,
    device: ids.device,
    mountPoint: node.mountPoint,
    fsType: "ext4",
  }),
  service: (node: NodePaths): ResourceInput => ({ kind: "service", name: "app", initScript: node.scripts.serviceScript }),
  hook: (node: NodePaths): ResourceInput => ({
    kind: "hook",
    name: "promote",
    acquire: [node.scripts.hookScript, "acquire"],
    release: [node.scripts.hookScript, "release"],
    timeout: 10,
  }),
};

/** Every kind but the volume: what runs without root. */
export const cloudAndLocal = (node: NodePaths): ResourceInput[] => [
  resource.vip(),
  resource.eip(),
  resource.route(),
  resource.hook(node),
  resource.service(node),
];

/** Every kind, the volume included (needs root for the loop device and the mount). */
export const everything = (node: NodePaths): ResourceInput[] => [
  resource.vip(),
  resource.eip(),
  resource.route(),
  resource.volume(node),
  resource.hook(node),
  resource.service(node),
];
