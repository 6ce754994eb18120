import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { parseClusterDescription } from "../../../src/cluster/load";
import type { ClusterDescription } from "../../../src/cluster/schema";
import { startEc2Server, type Ec2Server } from "../../support/ec2-standin/server";
import { worldSpecFromDescription } from "../../support/ec2-standin/world-from-description";
import { startImdsServer, type ImdsServer } from "../../support/imds-standin/server";

// Two EC2 instances behind the stand-ins, each with its own metadata service, and the cluster
// description that names them: what a node's process sees on AWS, reached over loopback.

export type NodeKey = "a" | "b";

export const nodes = {
  a: { name: "hb-a", address: "10.0.0.11", instanceId: "i-0a000000000000a01", eni: "eni-0a000000000000a01" },
  b: { name: "hb-b", address: "10.0.0.12", instanceId: "i-0b000000000000b02", eni: "eni-0b000000000000b02" },
} as const;

export const webEip = { name: "web-eip", allocationId: "eipalloc-0e000000000000e01", publicIp: "203.0.113.10" } as const;
/** An Elastic IP of the account that the description does not name. */
export const otherEip = { allocationId: "eipalloc-0e000000000000e02", publicIp: "203.0.113.11" } as const;
/** An instance of the same subnet that the description does not name. */
export const stranger = { address: "10.0.0.13", instanceId: "i-0c000000000000c03", eni: "eni-0c000000000000c03" } as const;

/** A second private address on node A's ENI that no resource of the description names. */
export const secondaryOfA = "10.0.0.50";

export interface TwoNodeCloud {
  dir: string;
  descriptionFile: string;
  description: ClusterDescription;
  ec2: Ec2Server;
  imds: Record<NodeKey | "stranger", ImdsServer>;
  /** The environment of a process on that node: the stand-ins' endpoints and fake credentials only. */
  envOf(node: NodeKey | "stranger", extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Where the Elastic IP points now. */
  association(allocationId: string): { networkInterfaceId?: string; privateIp?: string; associationId?: string };
  close(): Promise<void>;
}

export interface CloudOptions {
  /** The description's resources; the web Elastic IP by default. */
  resources?: Record<string, unknown>[];
  /** Extra top-level keys of the description (timeouts, heartbeat…). */
  extra?: Record<string, unknown>;
}

export async function startTwoNodeCloud(options: CloudOptions = {}): Promise<TwoNodeCloud> {
  const dir = mkdtempSync("/tmp/aws-ha-updateeip-");
  // Pacemaker's tools run some actions as nobody: the agent and the description must be reachable.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, "run"));
  const raw = {
    cluster: "web",
    manager: "heartbeat",
    region: "us-east-1",
    nodes: Object.values(nodes).map((n, i) => ({ name: n.name, address: n.address, instanceId: n.instanceId, priority: 200 - 100 * i })),
    resources: options.resources ?? [{ kind: "eip", ...webEip }],
    paths: { runDir: join(dir, "run") },
    ...options.extra,
  };
  const descriptionFile = join(dir, "cluster.yaml");
  writeFileSync(descriptionFile, stringify(raw), { mode: 0o644 });
  const description = parseClusterDescription(stringify(raw), descriptionFile);

  const spec = worldSpecFromDescription(description, { subnetPrefix: 24 });
  spec.interfaces.find((i) => i.instanceId === nodes.a.instanceId)!.privateIps.push(secondaryOfA);
  spec.addresses!.push({ ...otherEip });
  spec.instances.push({ instanceId: stranger.instanceId, availabilityZone: spec.instances[0]!.availabilityZone, state: "running" });
  spec.interfaces.push({
    networkInterfaceId: stranger.eni,
    subnetId: spec.interfaces[0]!.subnetId,
    privateIps: [stranger.address],
    instanceId: stranger.instanceId,
  });
  const ec2 = await startEc2Server({ spec });
  const imdsOf = (instanceId: string) => startImdsServer({ instanceId, world: () => ec2.world });
  const imds = { a: await imdsOf(nodes.a.instanceId), b: await imdsOf(nodes.b.instanceId), stranger: await imdsOf(stranger.instanceId) };

  return {
    dir,
    descriptionFile,
    description,
    ec2,
    imds,
    envOf: (node, extra = {}) => ({
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      AWS_ENDPOINT_URL_EC2: ec2.url,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imds[node].url,
      AWS_ACCESS_KEY_ID: "AKIDSTANDIN00000000",
      AWS_SECRET_ACCESS_KEY: "standin-secret",
      AWS_REGION: description.region,
      AWS_HA_SYSLOG: "off",
      ...extra,
    }),
    association: (allocationId) => {
      const address = ec2.world.snapshot().addresses.find((a) => a.allocationId === allocationId);
      if (!address) throw new Error(`no address ${allocationId} in the stand-in`);
      return { networkInterfaceId: address.networkInterfaceId, privateIp: address.privateIp, associationId: address.associationId };
    },
    async close() {
      await Promise.all([ec2.close(), imds.a.close(), imds.b.close(), imds.stranger.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on: bound, noted and closed again. */
export async function closedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
