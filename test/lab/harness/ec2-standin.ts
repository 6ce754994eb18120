import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterDescription } from "../../../src/cluster/schema";
import { StandinControlClient } from "../../support/ec2-standin/control-client";
import type { WorldSnapshot } from "../../support/ec2-standin/snapshot";
import { worldSpecFromDescription } from "../../support/ec2-standin/world-from-description";
import type { Timing, WorldSpec } from "../../support/ec2-standin/world-spec";
import { buildStandins } from "../../support/standalone/build";
import type { ApiCall, CloudControl, Fault, WorldState } from "./cloud-control";
import { Daemon, signalGroup } from "./daemon";
import type { ImdsLauncher } from "./lab-node";
import type { Teardown } from "./teardown";
import { waitFor } from "./wait";

// The lab's EC2: the stand-in built into a single file and run as its own process inside the hub
// namespace, seeded with the world the cluster description implies. Nodes reach it over the cloud
// network; the lab itself, outside every namespace, reaches its control API through a Unix socket
// in the lab directory. Each node gets its own IMDS inside its namespace, reading the same world.

export interface Ec2StandinOptions {
  description: ClusterDescription;
  hubNamespace: string;
  /** The hub's address on the cloud network. */
  listenAddress: string;
  /** The lab directory: the world file, the bundles, the log and the control socket go here. */
  dir: string;
  teardown: Teardown;
  /** Prefix length of the nodes' network; the lab's clusterPrefix. */
  subnetPrefix?: number;
  timing?: Partial<Timing>;
}

export interface Ec2Standin {
  control: CloudControl;
  imds: ImdsLauncher;
  /** The environment of every process on the node: the stand-ins' endpoints and fake static credentials. */
  nodeEnv(instanceId: string): NodeJS.ProcessEnv;
  /** The EC2 endpoint as the nodes reach it. */
  url: string;
  /** The world the stand-in was seeded with. */
  spec: WorldSpec;
  /** The stand-in's full control API (faults beyond CloudControl's, the raw world). */
  client: StandinControlClient;
}

/** EC2's port inside the hub namespace (8773 was the EC2 API port of Eucalyptus and OpenStack). */
const ec2Port = 8773;
/** The IMDS port inside each node's namespace. */
const imdsPort = 1338;

export async function startEc2Standin(options: Ec2StandinOptions): Promise<Ec2Standin> {
  const spec = worldSpecFromDescription(options.description, {
    subnetPrefix: options.subnetPrefix ?? 24,
    ...(options.timing ? { timing: options.timing } : {}),
  });
  const specFile = join(options.dir, "ec2-world.json");
  writeFileSync(specFile, JSON.stringify(spec, null, 2));
  const bundles = await buildStandins(join(options.dir, "standins"));
  const socketPath = join(options.dir, "ec2-control.sock");
  const url = `http://${options.listenAddress}:${ec2Port}`;

  const daemon = Daemon.start({
    name: "EC2 stand-in",
    argv: [
      "ip",
      "netns",
      "exec",
      options.hubNamespace,
      process.execPath,
      bundles.ec2Main,
      "--listen",
      options.listenAddress,
      "--port",
      String(ec2Port),
      "--spec",
      specFile,
      "--control-socket",
      socketPath,
    ],
    logFile: join(options.dir, "ec2-standin.log"),
  });
  options.teardown.add(`EC2 stand-in (pid ${daemon.pid})`, () => signalGroup(daemon.pid, "SIGKILL"));

  const client = new StandinControlClient({ socketPath, timeoutMs: 2_000 });
  const answered = await waitFor(async () => (daemon.running ? (await client.healthy()) && "answering" : "exited"), {
    what: `the EC2 stand-in in ${options.hubNamespace} to answer on ${socketPath}`,
    timeoutMs: 10_000,
    intervalMs: 50,
  });
  if (answered === "exited") throw new Error(`the EC2 stand-in exited at start: ${daemon.log().trim()}`);

  const region = spec.region!;
  const imdsEndpoint = `http://127.0.0.1:${imdsPort}`;
  return {
    url,
    spec,
    client,
    control: cloudControl(client),
    imds: {
      argv: (instanceId) => [
        process.execPath,
        bundles.imdsMain,
        "--listen",
        "127.0.0.1",
        "--port",
        String(imdsPort),
        "--ec2",
        url,
        "--instance",
        instanceId,
      ],
      endpoint: imdsEndpoint,
    },
    nodeEnv: () => ({
      ...withoutAwsSettings(process.env),
      AWS_ENDPOINT_URL_EC2: url,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imdsEndpoint,
      AWS_EC2_METADATA_V1_DISABLED: "true",
      // Static credentials end the SDK's credential chain before it would ask IMDS for a role.
      AWS_ACCESS_KEY_ID: "AKIALABSTANDIN000001",
      AWS_SECRET_ACCESS_KEY: "lab-standin-secret-not-a-real-key",
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
    }),
  };
}

/** The host's own AWS settings (a profile, real keys, another endpoint) must never reach a node. */
function withoutAwsSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith("AWS_")));
}

function cloudControl(client: StandinControlClient): CloudControl {
  return {
    state: async () => worldState(await client.world()),
    calls: async () =>
      (await client.calls()).map((c): ApiCall => ({
        at: c.at,
        action: c.action,
        ...(c.error === undefined ? {} : { error: c.error }),
        instanceIds: c.instanceIds,
      })),
    startInstance: async (instanceId) => {
      await client.startInstance(instanceId);
    },
    inject: (fault: Fault) =>
      client.inject({ kind: fault.kind, count: fault.count, ...(fault.action === undefined ? {} : { action: fault.action }) }),
    clearFaults: () => client.clearFaults(),
  };
}

export function worldState(world: WorldSnapshot): WorldState {
  return {
    instances: world.instances.map((i) => ({ instanceId: i.instanceId, state: i.state })),
    volumes: world.volumes.map((v) => ({
      volumeId: v.volumeId,
      state: v.state,
      attachments: v.attachments.map((a) => ({ instanceId: a.instanceId, state: a.state })),
    })),
    addresses: world.addresses.map((a) => ({
      allocationId: a.allocationId,
      publicIp: a.publicIp,
      ...(a.networkInterfaceId === undefined ? {} : { networkInterfaceId: a.networkInterfaceId }),
      ...(a.privateIp === undefined ? {} : { privateIp: a.privateIp }),
      ...(a.instanceId === undefined ? {} : { instanceId: a.instanceId }),
    })),
    interfaces: world.interfaces.map((e) => ({
      networkInterfaceId: e.networkInterfaceId,
      ...(e.instanceId === undefined ? {} : { instanceId: e.instanceId }),
      privateIps: [...e.privateIps],
      ipv6Addresses: [...e.ipv6Addresses],
      macAddress: e.macAddress,
      ...(e.attachmentState === undefined ? {} : { attachmentState: e.attachmentState }),
    })),
  };
}
