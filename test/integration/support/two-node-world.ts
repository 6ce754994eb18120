import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseClusterDescription } from "../../../src/cluster/parse";
import type { ClusterDescription } from "../../../src/cluster/schema";
import { bootId, thisProcess } from "../../../src/transition/process-start";
import type { Ec2Call } from "../../support/ec2-standin/call-log";
import { startEc2Server, type Ec2Server } from "../../support/ec2-standin/server";
import type { WorldSnapshot } from "../../support/ec2-standin/snapshot";
import { worldSpecFromDescription } from "../../support/ec2-standin/world-from-description";
import type { Timing, WorldSpec } from "../../support/ec2-standin/world-spec";
import { startImdsServer, type ImdsServer } from "../../support/imds-standin/server";
import { startRoute53Server, type Route53Server } from "../../support/route53-standin/server";
import type { Route53WorldSpec } from "../../support/route53-standin/zones";
import type { StsWorldSpec } from "../../support/sts-standin/roles";
import { startStsServer, type StsServer } from "../../support/sts-standin/server";
import { ByIdLinks } from "./by-id-links";
import {
  cluster,
  ids,
  nodeA,
  nodeB,
  region,
  stranger,
  type DescriptionInput,
  type NodeName,
  type NodePaths,
  type ResourceInput,
} from "./cluster-fixture";
import { asRoot, LoopDisk } from "./loop-disk";
import { rootOnlyTempDir } from "./mount-point-dir";
import { writeNodeScripts, type NodeScripts } from "./node-scripts";
import { markedProcesses, markerVariable, NotifyProcess, requireBundle, type NotifyResult } from "./notify-cli";
import { sleep } from "./wait";
import { mutatingCalls } from "./world-view";

// Two cluster nodes simulated on one machine, talking to one EC2 stand-in over HTTP with the real
// SDK inside the shipped CLIs (aws-ha-notify, its OCF mode, aws-ha-updateeip). What makes them two
// nodes: each has its own IMDS stand-in (so each learns its own instance id and ENI), its own runDir
// (lock and event tickets), its own byIdDir (the disk's link appears only in the directory of the
// node EC2 attached it to), its own mount point, service script and hook, and therefore its own
// copy of the cluster description. Every integration scenario with nodes starts from this world.

export interface TwoNodeWorldOptions {
  /** The resources, written per node: paths in them point into that node's directory. */
  resources: (node: NodePaths) => ResourceInput[];
  /** Which daemon drives the nodes: keepalived (with its section) by default. */
  manager?: "keepalived" | "heartbeat" | "pacemaker";
  /** The description's `heartbeat` section. */
  heartbeat?: DescriptionInput["heartbeat"];
  fencing?: DescriptionInput["fencing"];
  timeouts?: DescriptionInput["timeouts"];
  /** How long the stand-in takes to attach, detach, stop. */
  timing?: Partial<Timing>;
  /** Who holds what before the scenario starts, written into the seeded world. */
  given?: (spec: WorldSpec) => void;
  /** A loop device as the EBS volume's disk, linked into the by-id directory of its holder (root only). */
  disk?: boolean;
  /** Also an instance of the nodes' subnet that the description does not name, with its own IMDS. */
  stranger?: boolean;
  /** A metrics textfile directory per node (see SimulatedNode.textfileDir), made before the scenario. */
  metrics?: boolean;
  /** A Route53 stand-in with these zones, for records: the nodes reach it through AWS_ENDPOINT_URL_ROUTE_53. */
  route53?: Route53WorldSpec;
  /** The description's nodes, where the scenario needs more of them than nodeA and nodeB (their interfaces). */
  nodes?: DescriptionInput["nodes"];
  /** An STS stand-in with these roles: the nodes reach it through AWS_ENDPOINT_URL_STS. */
  sts?: StsWorldSpec;
  /** The description's cluster-wide role. */
  assumeRole?: DescriptionInput["assumeRole"];
}

export interface RunOptions {
  timeoutMs?: number;
  /** Added to the node's environment for this run only. */
  env?: NodeJS.ProcessEnv;
}

/** One EC2 instance of the world as its processes see it: its metadata service, the stand-in, fake credentials. */
export class SimulatedInstance {
  constructor(
    readonly instanceId: string,
    /** Its primary private address. */
    readonly address: string,
    /** The environment of a process on this instance: the stand-ins' endpoints and fake credentials only. */
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Its ENI (one per instance, named after the instance, as the stand-in's world is seeded). */
  get networkInterfaceId(): string {
    return `eni-${this.instanceId.slice("i-".length)}`;
  }

  /** The instance's environment with `extra` on top, for a process the scenario starts itself. */
  envWith(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...this.env, ...extra };
  }
}

/** The node's transition lock, held as a live transition holds it; `release` hands it on to whoever waits. */
export interface HeldLock {
  release(): void;
}

export class SimulatedNode extends SimulatedInstance {
  readonly runDir: string;
  readonly byIdDir: string;
  readonly mountPoint: string;
  readonly clusterFile: string;
  readonly scripts: NodeScripts;

  constructor(
    readonly name: NodeName,
    instanceId: string,
    address: string,
    readonly dir: string,
    env: NodeJS.ProcessEnv,
    private readonly started: Set<NotifyProcess>,
  ) {
    super(instanceId, address, env);
    this.runDir = join(dir, "run");
    this.byIdDir = join(dir, "by-id");
    this.mountPoint = join(dir, "mnt", "data");
    this.clusterFile = join(dir, "cluster.json");
    mkdirSync(this.byIdDir, { recursive: true, mode: 0o755 });
    this.scripts = writeNodeScripts(dir);
  }

  get paths(): NodePaths {
    return { name: this.name, dir: this.dir, mountPoint: this.mountPoint, scripts: this.scripts };
  }

  /** paths.historyDir: the node's journal of transitions, made by the first transition. */
  get historyDir(): string {
    return join(this.dir, "history");
  }

  /** metrics.textfileDir, with the metrics option: node_exporter's directory for this node. */
  get textfileDir(): string {
    return join(this.dir, "textfile");
  }

  /** The transition lock: present only while a transition runs on this node. */
  get lockFile(): string {
    return join(this.runDir, `${cluster}.lock`);
  }

  /** The description this node reads, as aws-ha parses it. */
  get description(): ClusterDescription {
    return parseClusterDescription(readFileSync(this.clusterFile, "utf8"), this.clusterFile);
  }

  /** Event tickets still in the run directory (the newest event's stays), half-written ones left out. */
  tickets(): string[] {
    const dir = join(this.runDir, `${cluster}.events`);
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((name) => /^\d+-\d+-\d+$/.test(name))
          .sort()
      : [];
  }

  /**
   * The PIDs of the processes whose events have a ticket here: an event's ticket is issued before it
   * waits for the lock (a detached worker's names its parent, whose event it runs).
   */
  ticketHolders(): number[] {
    return this.tickets().map((name) => Number(name.split("-")[1]));
  }

  /**
   * Takes the node's transition lock as a transition of this (live) test process, so that every
   * event started meanwhile issues its ticket and waits. What happens after `release` depends on the
   * events' order only, not on which process is quicker to the lock.
   */
  holdLock(): HeldLock {
    mkdirSync(this.runDir, { recursive: true, mode: 0o755 });
    const self = thisProcess();
    // The lock's owner entry: PID-STARTTICKS-BOOT (the first 8 hex digits of the boot id).
    const entry = join(this.lockFile, `${self.pid}-${self.start}-${bootId().replace(/-/g, "").slice(0, 8)}`);
    mkdirSync(this.lockFile, { mode: 0o700 });
    writeFileSync(entry, "", { mode: 0o600 });
    return {
      release: () => {
        unlinkSync(entry);
        // As the product's release does: a waiter may already have renamed its own lock onto the
        // emptied directory, and then the directory is that waiter's lock, not ours to remove.
        try {
          rmdirSync(this.lockFile);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENOTEMPTY" && (e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        }
      },
    };
  }

  /** Starts `aws-ha-notify --cluster FILE ARGS…` as this node; the caller awaits it. */
  start(args: readonly string[], options: RunOptions = {}): NotifyProcess {
    const child = new NotifyProcess(["--cluster", this.clusterFile, ...args], this.envWith(options.env), options.timeoutMs ?? 45_000);
    this.started.add(child);
    return child;
  }

  /** Runs `aws-ha-notify --cluster FILE ARGS…` as this node to its end. */
  run(args: readonly string[], options: RunOptions = {}): Promise<NotifyResult> {
    return this.start(args, options).finished;
  }
}

export interface TwoNodeWorld {
  a: SimulatedNode;
  b: SimulatedNode;
  /** Present when the options asked for one. */
  stranger?: SimulatedInstance;
  ec2: Ec2Server;
  imds: { a: ImdsServer; b: ImdsServer; stranger?: ImdsServer };
  /** Present when the options asked for a disk. */
  disk?: LoopDisk;
  /** Present when the options asked for Route53. */
  route53?: Route53Server;
  /** Present when the options asked for STS. */
  sts?: StsServer;
  /** The directory everything of the world lives in (mode 0755: Pacemaker runs some actions as nobody). */
  dir: string;
  snapshot(): WorldSnapshot;
  /** EC2 calls that asked for a change (mutating actions without DryRun), since `since` (epoch ms). */
  mutatingCalls(since?: number): Ec2Call[];
  /** Where an Elastic IP points now. */
  association(allocationId: string): { networkInterfaceId?: string; privateIp?: string; associationId?: string };
  close(): Promise<void>;
}

export async function startTwoNodeWorld(options: TwoNodeWorldOptions): Promise<TwoNodeWorld> {
  requireBundle();
  // As root the volume's mount points are real, and aws-ha refuses them below /tmp (see mount-point-dir.ts).
  const root = asRoot ? rootOnlyTempDir("aws-ha-itest-") : mkdtempSync(join(tmpdir(), "aws-ha-itest-"));
  // Pacemaker's tools run some actions as nobody: the agent and the description must be reachable.
  // Still writable by its owner alone, so the volume's mount points below it stay acceptable.
  chmodSync(root, 0o755);
  const marker = randomBytes(6).toString("hex");
  const started = new Set<NotifyProcess>();
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(root, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (e) {
        console.warn(`two-node world cleanup: ${(e as Error).message}`);
      }
    }
  };
  try {
    const a = new SimulatedNode("node-a", nodeA.instanceId, nodeA.address, join(root, "node-a"), {}, started);
    const b = new SimulatedNode("node-b", nodeB.instanceId, nodeB.address, join(root, "node-b"), {}, started);
    const manager = options.manager ?? "keepalived";

    const descriptionOf = (node: SimulatedNode): DescriptionInput => ({
      cluster,
      manager,
      region,
      nodes: options.nodes ?? [nodeA, nodeB],
      resources: options.resources(node.paths),
      ...(manager === "keepalived" ? { keepalived: { virtualRouterId: 51 } } : {}),
      ...(options.heartbeat ? { heartbeat: options.heartbeat } : {}),
      fencing: options.fencing ?? { enabled: false, peerReleaseTimeout: 10 },
      timeouts: { transition: 30, request: 5, volume: 15, ...options.timeouts },
      // `check` holds paths.notify to keepalived's script security (root-owned all the way down):
      // node's own binary, root-owned wherever Node is installed, stands in for the installed bundle.
      paths: { runDir: node.runDir, byIdDir: node.byIdDir, notify: process.execPath, historyDir: node.historyDir },
      ...(options.metrics ? { metrics: { textfileDir: node.textfileDir } } : {}),
      ...(options.assumeRole ? { assumeRole: options.assumeRole } : {}),
    });
    if (options.metrics) for (const node of [a, b]) mkdirSync(node.textfileDir, { recursive: true, mode: 0o755 });
    for (const node of [a, b]) writeFileSync(node.clusterFile, JSON.stringify(descriptionOf(node), null, 2));

    const spec = worldSpecFromDescription(parseClusterDescription(JSON.stringify(descriptionOf(a)), a.clusterFile), {
      subnetPrefix: 24,
      ...(options.timing ? { timing: options.timing } : {}),
    });
    if (options.stranger) {
      spec.instances.push({ instanceId: stranger.instanceId, availabilityZone: spec.instances[0]!.availabilityZone, state: "running" });
      spec.interfaces.push({
        networkInterfaceId: `eni-${stranger.instanceId.slice("i-".length)}`,
        subnetId: spec.interfaces.find((e) => e.instanceId === nodeA.instanceId)!.subnetId,
        privateIps: [stranger.address],
        instanceId: stranger.instanceId,
      });
    }
    options.given?.(spec);
    const ec2 = await startEc2Server({ spec });
    cleanups.push(() => ec2.close());
    const imdsOf = async (instanceId: string) => {
      const server = await startImdsServer({ instanceId, world: () => ec2.world });
      cleanups.push(() => server.close());
      return server;
    };
    const imds = {
      a: await imdsOf(nodeA.instanceId),
      b: await imdsOf(nodeB.instanceId),
      ...(options.stranger ? { stranger: await imdsOf(stranger.instanceId) } : {}),
    };
    const env = (imdsUrl: string): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
      HOME: root,
      AWS_ENDPOINT_URL_EC2: ec2.url,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imdsUrl,
      // Static credentials: the SDK's chain stops there and never asks IMDS for a role.
      AWS_ACCESS_KEY_ID: "AKIAITESTSTANDIN0001",
      AWS_SECRET_ACCESS_KEY: "itest-standin-secret-not-a-real-key",
      AWS_REGION: region,
      AWS_HA_SYSLOG: "off",
      [markerVariable]: marker,
    });
    Object.assign(a.env, env(imds.a.url));
    Object.assign(b.env, env(imds.b.url));
    const route53 = options.route53 && (await startRoute53Server(options.route53));
    if (route53) {
      cleanups.push(() => route53.close());
      for (const node of [a, b]) node.env.AWS_ENDPOINT_URL_ROUTE_53 = route53.url;
    }
    const sts = options.sts && (await startStsServer(options.sts));
    if (sts) {
      cleanups.push(() => sts.close());
      for (const node of [a, b]) node.env.AWS_ENDPOINT_URL_STS = sts.url;
    }
    const strangerInstance = imds.stranger && new SimulatedInstance(stranger.instanceId, stranger.address, env(imds.stranger.url));

    let disk: LoopDisk | undefined;
    if (options.disk) {
      if (!asRoot) throw new Error("a loop device for the volume needs root: skip the scenario when not root");
      disk = LoopDisk.create(root, ids.volumeId);
      const created = disk;
      cleanups.push(() => created.remove());
      const links = new ByIdLinks(ec2.world, ids.volumeId, disk.device, [a, b]);
      cleanups.push(() => links.stop());
    }
    // Runs first on close: no CLI may mount or call anything while the rest is torn down.
    cleanups.push(() => endProcesses(started, marker));

    return {
      a,
      b,
      ...(strangerInstance ? { stranger: strangerInstance } : {}),
      ec2,
      imds,
      ...(disk ? { disk } : {}),
      ...(route53 ? { route53 } : {}),
      ...(sts ? { sts } : {}),
      dir: root,
      snapshot: () => ec2.world.snapshot(),
      mutatingCalls: (since = 0) => mutatingCalls(ec2.calls.all(since)),
      association: (allocationId) => {
        const address = ec2.world.snapshot().addresses.find((x) => x.allocationId === allocationId);
        if (!address) throw new Error(`no address ${allocationId} in the stand-in`);
        return { networkInterfaceId: address.networkInterfaceId, privateIp: address.privateIp, associationId: address.associationId };
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Ends every CLI the scenario started and every worker they detached, by PID, and waits for them. */
async function endProcesses(started: Set<NotifyProcess>, marker: string): Promise<void> {
  for (const child of started) child.killGroup("SIGKILL");
  for (let round = 0; round < 20; round++) {
    const left = await markedProcesses(marker);
    if (left.length === 0) break;
    for (const pid of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    await sleep(50);
  }
  await Promise.all([...started].map((child) => Promise.race([child.exited, sleep(2_000)])));
}
