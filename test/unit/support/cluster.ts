import type { Identity } from "../../../src/cloud/identity";
import { clusterDescriptionSchema, type ClusterDescription } from "../../../src/cluster/schema";
import type { Holding, Outcome, Resource, TransitionContext } from "../../../src/kinds/resource";
import { Deadline } from "../../../src/time/deadline";
import { FakeEc2 } from "./fake-ec2";
import { FakeHost, type FakeHostOptions } from "./fake-host";
import { memoryLog } from "./memory-log";

// A two-node cluster in one subnet of eu-west-1a, and a way to stand on either node.

export const zone = "eu-west-1a";
export const a = {
  name: "node-a",
  address: "10.0.1.10",
  instanceId: "i-0aaaaaaaaaaaaaaa1",
  networkInterfaceId: "eni-0aaaaaaaaaaaaaaa1",
  priority: 150,
};
export const b = {
  name: "node-b",
  address: "10.0.1.11",
  instanceId: "i-0bbbbbbbbbbbbbbb2",
  networkInterfaceId: "eni-0bbbbbbbbbbbbbbb2",
  priority: 100,
};
export const blockDevice = "/dev/nvme1n1";

export function clusterOf(resources: unknown[], settings: Record<string, unknown> = {}): ClusterDescription {
  return clusterDescriptionSchema.parse({ cluster: "web", nodes: [a, b], resources, keepalived: { virtualRouterId: 51 }, ...settings });
}

/** Both instances running, each ENI carrying only its node's own address. */
export function twoNodeEc2(calls?: string[]): FakeEc2 {
  const ec2 = new FakeEc2(calls);
  for (const n of [a, b]) {
    ec2.addInstance(n.instanceId, zone);
    ec2.addInterface({
      networkInterfaceId: n.networkInterfaceId,
      subnetId: "subnet-0a1",
      availabilityZone: zone,
      privateIps: [n.address],
      sourceDestCheck: true,
      instanceId: n.instanceId,
    });
  }
  return ec2;
}

export function identityOf(member: typeof a): Identity {
  return {
    instanceId: member.instanceId,
    region: "eu-west-1",
    availabilityZone: zone,
    mac: "0a:00:00:00:00:01",
    networkInterfaceId: member.networkInterfaceId,
    localIpv4s: [member.address],
  };
}

export interface NodeView {
  ctx: TransitionContext;
  host: FakeHost;
  /** The node's log, one text line per record. */
  lines: string[];
}

/** Standing on one node: its context, its machine (a volume's device appears once attached here) and its log. */
export function onNode(member: typeof a, description: ClusterDescription, ec2: FakeEc2, hostOptions: FakeHostOptions = {}): NodeView {
  const host = new FakeHost({
    blockDevice: (volumeId) =>
      ec2.attachmentsOf(volumeId).some((x) => x.instanceId === member.instanceId && x.state === "attached") ? blockDevice : undefined,
    ...hostOptions,
  });
  const { log, lines } = memoryLog();
  const ctx: TransitionContext = {
    description,
    self: description.nodes.find((n) => n.instanceId === member.instanceId)!,
    identity: identityOf(member),
    networkInterfaceId: member.networkInterfaceId,
    ec2,
    host,
    log,
    deadline: new Deadline(description.timeouts.transition * 1000),
  };
  return { ctx, host, lines };
}

/** What the runner does for one resource: inspect, then act on what it saw. */
export async function transition(
  resource: Resource,
  ctx: TransitionContext,
  action: "acquire" | "release",
): Promise<{ before: Holding; outcome: Outcome }> {
  const before = await resource.inspect(ctx);
  return { before, outcome: await resource[action](ctx, before) };
}
