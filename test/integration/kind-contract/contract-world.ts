import { createEc2Client } from "../../../src/cloud/ec2-client";
import { SdkEc2 } from "../../../src/cloud/ec2-sdk";
import { parseClusterDescription } from "../../../src/cluster/load";
import type { ClusterDescription } from "../../../src/cluster/schema";
import { resourcesFor } from "../../../src/kinds/registry";
import type { Holding, Outcome, Resource, TransitionContext } from "../../../src/kinds/resource";
import { Deadline } from "../../../src/time/deadline";
import { isMutatingCall } from "../../support/ec2-standin/actions";
import type { Ec2Call } from "../../support/ec2-standin/call-log";
import { startEc2Server, type Ec2Server } from "../../support/ec2-standin/server";
import { worldSpecFromDescription } from "../../support/ec2-standin/world-from-description";
import { FakeHost } from "../../unit/support/fake-host";
import { memoryLog } from "../../unit/support/memory-log";
import { cluster, nodeA, nodeB, region, type ResourceInput } from "../support/cluster-fixture";

// One resource of one kind, driven directly on two nodes: each node a TransitionContext with the
// real EC2 adapter and SDK, over HTTP to one EC2 stand-in, and a machine of its own (the fake host).
// No CLI, lock or plan in between: what the contract judges is the resource alone.

export const blockDevice = "/dev/nvme1n1";

export interface ContractNode {
  name: string;
  instanceId: string;
  ctx: TransitionContext;
  host: FakeHost;
}

export interface ContractWorld {
  description: ClusterDescription;
  resource: Resource;
  ec2: Ec2Server;
  /** This node; `b` is its peer. */
  a: ContractNode;
  b: ContractNode;
  /** Every call the stand-in answered, in order. */
  calls(): Ec2Call[];
  /** The calls since the mark that asked EC2 to change something (DryRuns never do). */
  mutatingSince(mark: number): Ec2Call[];
  /** A mark in the call log: the number of calls so far. */
  mark(): number;
  close(): Promise<void>;
}

export async function startContractWorld(spec: ResourceInput, nodes: readonly (typeof nodeA)[] = [nodeA, nodeB]): Promise<ContractWorld> {
  const description = parseClusterDescription(
    JSON.stringify({
      cluster,
      manager: "keepalived",
      region,
      nodes,
      resources: [spec],
      keepalived: { virtualRouterId: 51 },
      fencing: { enabled: false, peerReleaseTimeout: 10 },
      timeouts: { transition: 30, request: 5, volume: 15 },
    }),
    "cluster.json",
  );
  const worldSpec = worldSpecFromDescription(description, { subnetPrefix: 24, timing: { attachMs: 30, detachMs: 30 } });
  const ec2 = await startEc2Server({ spec: worldSpec });
  const clients: ReturnType<typeof createEc2Client>[] = [];
  const client = (maxAttempts?: number) => {
    const made = createEc2Client({
      region,
      timeouts: description.timeouts,
      credentials: { accessKeyId: "AKIAITESTSTANDIN0001", secretAccessKey: "contract-not-a-real-key" },
      ...(maxAttempts ? { maxAttempts } : {}),
    });
    clients.push(made);
    return made;
  };
  // The SDK takes its endpoint from the environment, as on a node (and need not warn about Node 20).
  const saved = {
    AWS_ENDPOINT_URL_EC2: process.env.AWS_ENDPOINT_URL_EC2,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED,
  };
  process.env.AWS_ENDPOINT_URL_EC2 = ec2.url;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

  const node = (member: typeof nodeA): ContractNode => {
    const eni = worldSpec.interfaces.find((e) => e.instanceId === member.instanceId)!.networkInterfaceId;
    const deadline = new Deadline(description.timeouts.transition * 1000);
    const host = new FakeHost({
      // The kernel shows the volume's disk here once EC2 has it attached to this instance.
      blockDevice: (volumeId) =>
        ec2.world
          .snapshot()
          .volumes.find((v) => v.volumeId === volumeId)
          ?.attachments.some((x) => x.instanceId === member.instanceId && x.state === "attached")
          ? blockDevice
          : undefined,
      // A whole ENI shows up here once EC2 has it attached to this instance, until its detach completes.
      attachedLinks: () =>
        [...ec2.world.interfaces.values()]
          .filter((e) => e.instanceId === member.instanceId && e.deviceIndex > 0 && e.attachmentState !== "attaching")
          .map((e) => ({ name: `eth${e.deviceIndex}`, mac: e.macAddress })),
    });
    return {
      name: member.name,
      instanceId: member.instanceId,
      host,
      ctx: {
        description,
        self: description.nodes.find((n) => n.instanceId === member.instanceId)!,
        identity: {
          instanceId: member.instanceId,
          region,
          availabilityZone: `${region}a`,
          mac: "0a:00:00:00:00:01",
          networkInterfaceId: eni,
          localIpv4s: [member.address],
        },
        networkInterfaceId: eni,
        ec2: new SdkEc2(
          client(),
          () => deadline.signal(),
          () => client(1),
        ),
        host,
        log: memoryLog().log,
        deadline,
      },
    };
  };

  return {
    description,
    resource: resourcesFor(description)[0]!,
    ec2,
    a: node(nodeA),
    b: node(nodeB),
    calls: () => ec2.calls.all(),
    mark: () => ec2.calls.all().length,
    mutatingSince: (mark) => ec2.calls.all().slice(mark).filter(isMutatingCall),
    close: async () => {
      for (const c of clients) c.destroy();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await ec2.close();
    },
  };
}

/** What the runner does for one resource on one node: inspect, then act on what it saw. */
export async function transition(
  world: ContractWorld,
  node: ContractNode,
  action: "acquire" | "release",
): Promise<{ before: Holding; outcome: Outcome }> {
  const before = await world.resource.inspect(node.ctx);
  return { before, outcome: await world.resource[action](node.ctx, before) };
}
