import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { parseClusterDescription } from "../../../src/cluster/load";
import type { ClusterDescription, VolumeSpec } from "../../../src/cluster/schema";
import { DeviceLinks } from "./device-links";
import { startEc2Standin, type Ec2Standin } from "./ec2-standin";
import { InstancePower } from "./instance-power";
import { LabNode } from "./lab-node";
import { LoopVolume } from "./loop-volume";
import { LabNetwork } from "./network";
import { NodeMachine } from "./node-machine";
import { NodeSyslog } from "./node-syslog";
import { keepLogs } from "./scenario";
import { Teardown } from "./teardown";
import { waitFor } from "./wait";
import { WorldWatch } from "./world-watch";

// A whole lab built from one cluster description (test/lab/fixtures/*.yaml): the networks, the EC2
// stand-in seeded with the description's instances, interfaces, addresses and volumes, a loop
// device per volume, and one LabNode per node with the CLIs installed and its configs rendered by
// aws-ha-gen. Everything it creates is undone by destroy(), also after a failed build.

export const clusterPrefix = 24;
/** The cloud network: EC2's endpoint lives at .1, node n at .10+n. */
const cloudNet = "10.231.2";

export class Lab {
  readonly teardown = new Teardown();
  readonly runId = randomBytes(2).toString("hex");
  readonly dir: string;
  readonly description: ClusterDescription;
  readonly network: LabNetwork;
  readonly nodes: LabNode[] = [];
  readonly volumes: LoopVolume[] = [];
  readonly watch: WorldWatch;
  power: InstancePower;
  ec2!: Ec2Standin;
  private readonly syslogs: NodeSyslog[] = [];
  private links: DeviceLinks | undefined;
  private readonly descriptionText: string;

  private constructor(readonly fixture: string) {
    this.descriptionText = readFileSync(fixture, "utf8");
    this.description = parseClusterDescription(this.descriptionText, fixture);
    this.dir = mkdtempSync(`/tmp/awsha-lab-${this.runId}-`);
    const dir = this.dir;
    // Registered first, so it runs last: by then nothing is mounted from it any more.
    this.teardown.add(`lab directory ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    this.network = new LabNetwork({ runId: this.runId, clusterPrefix, cloudGateway: `${cloudNet}.1`, cloudPrefix: 24 }, this.teardown);
    this.watch = new WorldWatch(() => this.ec2.control.state());
    this.power = new InstancePower([]);
  }

  static async create(fixture: string, daemon: "keepalived" | "heartbeat"): Promise<Lab> {
    const lab = new Lab(fixture);
    try {
      await lab.build(daemon);
      return lab;
    } catch (e) {
      lab.destroy();
      throw e;
    }
  }

  node(name: string): LabNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no lab node ${name}; nodes: ${this.nodes.map((n) => n.name).join(", ")}`);
    return node;
  }

  get volumeSpecs(): VolumeSpec[] {
    return this.description.resources.filter((r): r is VolumeSpec => r.kind === "volume");
  }

  volume(volumeId: string): LoopVolume {
    return this.volumes.find((v) => v.volumeId === volumeId)!;
  }

  async addressesOf(node: LabNode): Promise<string[]> {
    return this.network.addressesOn(node.name, node.member.interface);
  }

  /** Which nodes have the volume's mount point mounted right now (from their mount namespaces). */
  mountedOn(volume: VolumeSpec): LabNode[] {
    return this.nodes.filter((n) => n.machine.mountAt(volume.mountPoint) !== undefined);
  }

  /** Reboots a stopped node: EC2 StartInstances, power on, IMDS. The daemon is the scenario's call. */
  async restart(node: LabNode): Promise<void> {
    await this.ec2.control.startInstance(node.instanceId);
    await node.boot();
  }

  /**
   * Starts keepalived on every node, highest priority first, each once it has entered its initial
   * BACKUP state. All start BACKUP, so the first election is decided by who times out first; the
   * priorities are only ~0.2 s apart there, and the order makes the process start times irrelevant.
   */
  async startKeepalived(): Promise<void> {
    for (const node of [...this.nodes].sort((a, b) => b.member.priority - a.member.priority)) {
      const startedAt = Date.now();
      node.keepalived.start();
      await waitFor(() => node.vrrpStateLines("BACKUP", startedAt).length > 0, {
        what: `keepalived on ${node.name} to enter BACKUP`,
        timeoutMs: 15_000,
        intervalMs: 20,
      });
    }
  }

  destroy(): void {
    this.watch.stop();
    for (const s of this.syslogs) s.close();
    try {
      keepLogs(this);
    } catch (e) {
      console.warn(`[lab] could not keep the logs: ${(e as Error).message}`);
    }
    const failures = this.teardown.runAll();
    if (failures.length > 0) console.warn(`[lab] teardown problems:\n  ${failures.join("\n  ")}`);
  }

  /** Problems the lab's own reactions met (stand-in unreachable, a link it could not make). */
  get problems(): readonly string[] {
    return this.watch.problems;
  }

  private async build(daemon: "keepalived" | "heartbeat"): Promise<void> {
    await this.network.createHub();
    this.ec2 = await startEc2Standin({
      description: this.description,
      hubNamespace: this.network.hub,
      listenAddress: `${cloudNet}.1`,
      dir: this.dir,
      teardown: this.teardown,
    });
    for (const spec of this.volumeSpecs) this.volumes.push(await LoopVolume.create(spec.volumeId, this.dir, this.teardown));

    for (const [i, member] of this.description.nodes.entries()) {
      const cloudAddress = `${cloudNet}.${11 + i}`;
      await this.network.addNode({
        name: member.name,
        clusterInterface: member.interface,
        clusterAddress: member.address,
        cloudInterface: "cloud0",
        cloudAddress,
      });
      const nodeDir = join(this.dir, "nodes", member.name);
      mkdirSync(nodeDir, { recursive: true, mode: 0o755 });
      const syslog = await NodeSyslog.listen(join(nodeDir, "syslog.sock"), join(nodeDir, "syslog.log"));
      this.syslogs.push(syslog);
      const machine = new NodeMachine(
        {
          name: member.name,
          netns: this.network.namespaceOf(member.name),
          dir: nodeDir,
          mountPoints: this.volumeSpecs.map((v) => v.mountPoint),
          interfaces: [{ name: member.interface, keep: member.address }],
          byIdDir: this.description.paths.byIdDir,
          blockDevices: this.volumes.map((v) => v.device),
          syslogSocket: syslog.socketPath,
        },
        this.teardown,
      );
      const node = new LabNode(
        member,
        machine,
        syslog,
        this.description,
        this.descriptionText,
        this.ec2.imds,
        this.ec2.nodeEnv(member.instanceId),
      );
      node.install();
      await node.boot();
      this.nodes.push(node);
    }

    this.links = new DeviceLinks(
      this.volumes,
      this.nodes.map((n) => ({ instanceId: n.instanceId, byIdDir: n.machine.byIdHostDir })),
    );
    const links = this.links;
    const power = new InstancePower(this.nodes.map((n) => ({ instanceId: n.instanceId, machine: n.machine })));
    this.power = power;
    this.watch.react((world) => links.follow(world));
    this.watch.react((world) => power.follow(world));
    this.watch.start();
    await this.watch.once();

    for (const node of this.nodes) {
      if (daemon === "keepalived") await node.installKeepalivedConfig();
      else await node.installHeartbeatConfig();
    }
  }
}
