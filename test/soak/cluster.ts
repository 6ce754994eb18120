import type { z } from "zod";
import { parseClusterDescription } from "../../src/cluster/parse";
import type { ClusterDescription, clusterDescriptionSchema, resourceSchema } from "../../src/cluster/schema";
import type { WorldSpec } from "../support/ec2-standin/world-spec";
import { nodeLetters, type ClusterShape, type NodeLetter } from "./schedule";

// The cluster a soak case runs: up to three nodes in one subnet, and the resources its shape names.
// Every node reads its own copy of the description, which differs only in the run directory.

type DescriptionInput = z.input<typeof clusterDescriptionSchema>;
type ResourceInput = z.input<typeof resourceSchema>;

export const cluster = "soak";
export const region = "us-east-1";
export const zone = `${region}a`;

export interface SoakNode {
  letter: NodeLetter;
  name: string;
  address: string;
  instanceId: string;
  networkInterfaceId: string;
  interface: string;
  priority: number;
}

const allNodes: SoakNode[] = nodeLetters.map((letter, i) => ({
  letter,
  name: `node-${letter.toLowerCase()}`,
  address: `10.0.1.${10 + i}`,
  instanceId: `i-0a1b2c3d4e5f6000${letter.toLowerCase()}`,
  networkInterfaceId: `eni-0a1b2c3d4e5f6000${letter.toLowerCase()}`,
  interface: "eth0",
  priority: 150 - 10 * i,
}));

export const ids = {
  subnet: "subnet-0a1b2c3d4e5f60a01",
  vip: "10.0.1.100",
  allocationId: "eipalloc-0a1b2c3d4e5f60e01",
  publicIp: "203.0.113.10",
  overlay: "192.168.100.1",
  routeTables: ["rtb-0a1b2c3d4e5f60c01", "rtb-0a1b2c3d4e5f60c02"],
  volumeId: "vol-0a1b2c3d4e5f60d01",
  device: "/dev/sdf",
  mountPoint: "/srv/data",
  hook: "/usr/local/libexec/soak-hook",
  unit: "soak-app.service",
} as const;

export function nodesOf(shape: ClusterShape): SoakNode[] {
  return allNodes.slice(0, shape.nodes);
}

/** Local addresses are the resource's business only where keepalived does not add them itself. */
export const managesLocalAddresses = (shape: ClusterShape): boolean => shape.manager !== "keepalived";

export function resourcesOf(shape: ClusterShape): ResourceInput[] {
  const resources: ResourceInput[] = [];
  if (shape.vip) resources.push({ kind: "vip", name: "vip", address: ids.vip, prefix: 24, release: shape.vip.release });
  if (shape.eip)
    resources.push({
      kind: "eip",
      name: "eip",
      allocationId: ids.allocationId,
      publicIp: ids.publicIp,
      ...(shape.eip.onVip ? { privateAddress: ids.vip } : {}),
      release: shape.eip.release,
    });
  if (shape.route)
    resources.push({
      kind: "route",
      name: "overlay",
      address: ids.overlay,
      routeTables: ids.routeTables.slice(0, shape.route.tables),
      release: shape.route.release,
    });
  if (shape.volume)
    resources.push({
      kind: "volume",
      name: "data",
      volumeId: ids.volumeId,
      device: ids.device,
      mountPoint: ids.mountPoint,
      fsType: "ext4",
    });
  if (shape.hook)
    resources.push({ kind: "hook", name: "promote", acquire: [ids.hook, "acquire"], release: [ids.hook, "release"], timeout: 5 });
  if (shape.service) resources.push({ kind: "service", name: "app", unit: ids.unit });
  return resources;
}

export interface SoakTimeouts {
  /** Seconds: the transition deadline. */
  transition: number;
  volume: number;
  peerRelease: number;
}

/** One node's description, validated by the product's own loader. */
export function descriptionFor(shape: ClusterShape, runDir: string, timeouts: SoakTimeouts): ClusterDescription {
  const input: DescriptionInput = {
    cluster,
    manager: shape.manager,
    region,
    nodes: nodesOf(shape).map(({ name, address, instanceId, interface: iface, priority }) => ({
      name,
      address,
      instanceId,
      interface: iface,
      priority,
    })),
    resources: resourcesOf(shape),
    ...(shape.manager === "keepalived" ? { keepalived: { virtualRouterId: 51 } } : {}),
    ...(shape.manager === "heartbeat" ? { heartbeat: {} } : {}),
    fencing: { enabled: false, peerReleaseTimeout: timeouts.peerRelease },
    timeouts: { transition: timeouts.transition, request: 2, connect: 1, metadata: 1, volume: timeouts.volume },
    paths: { runDir, byIdDir: "/dev/disk/by-id", historyDir: `${runDir}/history` },
  };
  return parseClusterDescription(JSON.stringify(input), `${runDir}/cluster.json`);
}

/** The EC2 world at the start: every node running, and the holder (if any) holding everything. */
export function worldSpecFor(shape: ClusterShape): WorldSpec {
  const nodes = nodesOf(shape);
  const holder = nodes.find((n) => n.letter === shape.holder);
  const spec: WorldSpec = {
    region,
    subnets: [{ subnetId: ids.subnet, cidr: "10.0.1.0/24", availabilityZone: zone }],
    instances: nodes.map((n) => ({ instanceId: n.instanceId, availabilityZone: zone, state: "running" })),
    interfaces: nodes.map((n) => ({
      networkInterfaceId: n.networkInterfaceId,
      subnetId: ids.subnet,
      privateIps: [n.address, ...(holder === n && shape.vip ? [ids.vip] : [])],
      instanceId: n.instanceId,
    })),
    addresses: [
      {
        allocationId: ids.allocationId,
        publicIp: ids.publicIp,
        ...(holder && shape.eip
          ? { networkInterfaceId: holder.networkInterfaceId, privateIp: shape.eip.onVip ? ids.vip : holder.address }
          : {}),
      },
    ],
    routeTables: ids.routeTables.map((routeTableId) => ({
      routeTableId,
      routes: holder && shape.route ? [{ destinationCidrBlock: `${ids.overlay}/32`, networkInterfaceId: holder.networkInterfaceId }] : [],
    })),
    volumes: [
      {
        volumeId: ids.volumeId,
        availabilityZone: zone,
        size: 1,
        ...(holder && shape.volume ? { attachments: [{ instanceId: holder.instanceId, device: ids.device }] } : {}),
      },
    ],
    timing: { attachMs: shape.attachMs, detachMs: shape.detachMs, stopMs: 20, startMs: 20 },
  };
  // The route's source/dest check is off on the holder already, as its earlier acquire left it.
  if (holder && shape.route) spec.interfaces.find((i) => i.networkInterfaceId === holder.networkInterfaceId)!.sourceDestCheck = false;
  return spec;
}
