import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseClusterDescription } from "../../src/cluster/parse";
import type { ClusterDescription } from "../../src/cluster/schema";
import { worldSpecFromDescription } from "../support/ec2-standin/world-from-description";
import type { Timing, WorldSpec } from "../support/ec2-standin/world-spec";

// The two-node keepalived cluster every figure is measured on. Node A (the one measured) takes
// over from node B, which holds everything before each run, as after B was master.

export const nodeA = { name: "bench-a", address: "10.0.1.10", instanceId: "i-0a00000000000000a" };
export const nodeB = { name: "bench-b", address: "10.0.1.11", instanceId: "i-0b00000000000000b" };
export const vip = "10.0.1.100";
export const allocationId = "eipalloc-0a00000000000000e";
export const volumeId = "vol-0a00000000000000d";
export const region = "eu-west-1";

export interface BenchCluster {
  description: ClusterDescription;
  file: string;
}

export interface ClusterPaths {
  runDir: string;
  byIdDir: string;
  /** Where the volume is mounted (volume cluster only). */
  mountPoint?: string;
}

/** VIP + EIP, the EIP pointing at the VIP: the common keepalived web pair. */
export function writeVipEipCluster(dir: string, paths: ClusterPaths): BenchCluster {
  return write(dir, "vip-eip.yaml", paths, [
    `  - { kind: vip, name: web-vip, address: ${vip}, prefix: 24 }`,
    `  - { kind: eip, name: web-eip, allocationId: ${allocationId}, privateAddress: ${vip} }`,
  ]);
}

export const hostedZoneId = "Z0BENCHBENCHRECORD01";

/** The same pair and a Route53 record of the VIP: for what a description with records costs at start. */
export function writeVipEipRecordCluster(dir: string, paths: ClusterPaths): BenchCluster {
  return write(dir, "vip-eip-record.yaml", paths, [
    `  - { kind: vip, name: web-vip, address: ${vip}, prefix: 24 }`,
    `  - { kind: eip, name: web-eip, allocationId: ${allocationId}, privateAddress: ${vip} }`,
    `  - { kind: record, name: web-dns, hostedZoneId: ${hostedZoneId}, zone: example.com., recordName: web.example.com., ttl: 30, pointsAt: { vip: web-vip } }`,
  ]);
}

/** One EBS volume, mounted without fsck (the figure is the hand-over, not the file system check). */
export function writeVolumeCluster(dir: string, paths: ClusterPaths & { mountPoint: string }): BenchCluster {
  return write(dir, "volume.yaml", paths, [
    `  - { kind: volume, name: data, volumeId: ${volumeId}, device: /dev/sdf, mountPoint: ${paths.mountPoint}, fsType: ext4, fsck: false }`,
  ]);
}

function write(dir: string, name: string, paths: ClusterPaths, resources: string[]): BenchCluster {
  const text = [
    "cluster: bench",
    "manager: keepalived",
    `region: ${region}`,
    "nodes:",
    ...[nodeA, nodeB].map(
      (n, i) => `  - { name: ${n.name}, address: ${n.address}, instanceId: ${n.instanceId}, interface: eth0, priority: ${150 - 50 * i} }`,
    ),
    "resources:",
    ...resources,
    "keepalived: { virtualRouterId: 51 }",
    `paths: { runDir: ${paths.runDir}, byIdDir: ${paths.byIdDir}, historyDir: ${join(dir, "history")} }`,
    "",
  ].join("\n");
  const file = join(dir, name);
  writeFileSync(file, text);
  return { description: parseClusterDescription(text, file), file };
}

/** The EC2 world the description implies, with node B holding the VIP and the EIP (if declared). */
export function worldHeldByB(description: ClusterDescription, timing?: Partial<Timing>): WorldSpec {
  const spec = worldSpecFromDescription(description, { subnetPrefix: 24, ...(timing ? { timing } : {}) });
  const eniOfB = spec.interfaces.find((i) => i.instanceId === nodeB.instanceId)!;
  const hasVip = description.resources.some((r) => r.kind === "vip");
  if (hasVip) eniOfB.privateIps.push(vip);
  for (const address of spec.addresses ?? []) {
    address.networkInterfaceId = eniOfB.networkInterfaceId;
    address.privateIp = hasVip ? vip : nodeB.address;
  }
  return spec;
}
