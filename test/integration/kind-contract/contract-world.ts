import { createEc2Client } from "../../../src/cloud/ec2-client";
import { SdkEc2 } from "../../../src/cloud/ec2-sdk";
import { parseClusterDescription } from "../../../src/cluster/parse";
import type { ClusterDescription } from "../../../src/cluster/schema";
import { resourcesFor } from "../../../src/kinds/registry";
import type { Holding, Outcome, Resource, TransitionContext } from "../../../src/kinds/resource";
import { Deadline } from "../../../src/time/deadline";
import { isMutatingCall } from "../../support/ec2-standin/actions";
import type { Ec2Call } from "../../support/ec2-standin/call-log";
import { startEc2Server, type Ec2Server } from "../../support/ec2-standin/server";
import { worldSpecFromDescription } from "../../support/ec2-standin/world-from-description";
import { FakeHost } from "../../unit/support/fake-host";
import { createRoute53Client, SdkRoute53 } from "../../../src/cloud/route53-sdk";
import type { RecordSpec } from "../../../src/kinds/record/schema";
import { isMutatingCall as isMutatingRoute53Call, type Route53Call } from "../../support/route53-standin/call-log";
import { startRoute53Server, type Route53Server } from "../../support/route53-standin/server";
import { memoryLog } from "../../unit/support/memory-log";
import { cluster, nodeA, nodeB, region, type ResourceInput } from "../support/cluster-fixture";

// One resource of one kind, driven directly on two nodes: each node a TransitionContext with the
// real EC2 adapter and SDK, over HTTP to one EC2 stand-in, and a machine of its own (the fake host).
// No CLI, lock or plan in between: what the contract judges is the resource alone.

export const blockDevice = "/dev/nvme1n1";

// A record's world has a Route53 stand-in beside EC2's; the case's holderIn reads the record there.
let route53InUse: Route53Server | undefined;

/** The Route53 stand-in of the contract world that is running, for a record's case. */
export function contractRoute53(): Route53Server {
  if (!route53InUse) throw new Error("no contract world with a record is running");
  return route53InUse;
}

/** A Route53 call in the shape of the EC2 call log, so that the contract judges both alike. */
function asCall(call: Route53Call): Ec2Call {
  return {
    at: call.at,
    action: call.action,
    ...(call.error ? { error: call.error } : {}),
    instanceIds: [],
    params: {},
    dryRun: false,
    durationMs: 0,
  };
}

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
  const record = description.resources.find((r): r is RecordSpec => r.kind === "record");
  const route53 = record && (await startRoute53Server({ zones: [{ id: record.hostedZoneId, name: record.zone }] }));
  route53InUse = route53;
  const route53Clients: ReturnType<typeof createRoute53Client>[] = [];
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
    AWS_ENDPOINT_URL_ROUTE_53: process.env.AWS_ENDPOINT_URL_ROUTE_53,
  };
  if (route53) process.env.AWS_ENDPOINT_URL_ROUTE_53 = route53.url;
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
        ...(route53 ? { route53: route53Port(deadline) } : {}),
      },
    };
  };
  const route53Port = (deadline: Deadline) => {
    const made = createRoute53Client({
      timeouts: description.timeouts,
      credentials: { accessKeyId: "AKIAITESTSTANDIN0001", secretAccessKey: "contract-not-a-real-key" },
    });
    route53Clients.push(made);
    return new SdkRoute53(made, deadline);
  };
  // A mark is a count of calls; where Route53 is in the world too, each mark remembers both logs' counts.
  const marks = new Map<number, { ec2: number; route53: number }>();
  const allCalls = () => [...ec2.calls.all(), ...(route53?.calls.all().map(asCall) ?? [])].sort((x, y) => x.at - y.at);

  return {
    description,
    resource: resourcesFor(description)[0]!,
    ec2,
    a: node(nodeA),
    b: node(nodeB),
    calls: () => (route53 ? allCalls() : ec2.calls.all()),
    mark: () => {
      if (!route53) return ec2.calls.all().length;
      const counts = { ec2: ec2.calls.all().length, route53: route53.calls.all().length };
      marks.set(counts.ec2 + counts.route53, counts);
      return counts.ec2 + counts.route53;
    },
    mutatingSince: (mark) => {
      if (!route53) return ec2.calls.all().slice(mark).filter(isMutatingCall);
      const from = marks.get(mark) ?? { ec2: mark, route53: 0 };
      return [
        ...ec2.calls.all().slice(from.ec2).filter(isMutatingCall),
        ...route53.calls.all().slice(from.route53).filter(isMutatingRoute53Call).map(asCall),
      ];
    },
    close: async () => {
      for (const c of clients) c.destroy();
      for (const c of route53Clients) c.destroy();
      await route53?.close();
      route53InUse = undefined;
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
