import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { parseClusterDescription } from "../../../src/cluster/parse";
import type { ClusterDescription, ClusterNode, VolumeSpec } from "../../../src/cluster/schema";
import { DeviceLinks } from "./device-links";
import { startEc2Standin, type Ec2Standin } from "./ec2-standin";
import { InstancePower } from "./instance-power";
import { keepLogs } from "./kept-logs";
import { LabNode } from "./lab-node";
import { LoopVolume } from "./loop-volume";
import { LabNetwork } from "./network";
import { NodeMachine } from "./node-machine";
import { NodeSyslog } from "./node-syslog";
import { startRoute53Standin, type Route53Standin } from "./route53-standin";
import { Teardown } from "./teardown";
import { WorldWatch } from "./world-watch";

// What every lab is built from one cluster description (test/lab/fixtures/*.yaml): the networks,
// the EC2 stand-in seeded with the description's instances, interfaces, addresses and volumes, a
// loop device per volume, and one booted LabNode per node with the CLIs installed. EC2's word is
// made physical: a volume's loop device shows up in a node's by-id directory while EC2 has it
// attached there, and a node EC2 stops powers off. Lab (keepalived, Heartbeat) and PacemakerLab
// add their cluster daemons on top. Everything it creates is undone by destroy(), also after a
// failed build.

export const clusterPrefix = 24;
/** The cloud network: EC2's endpoint lives at .1, node n at .10+n. */
const cloudNet = "10.231.2";

export abstract class LabBase {
  readonly teardown = new Teardown();
  readonly runId = randomBytes(2).toString("hex");
  readonly dir: string;
  readonly description: ClusterDescription;
  readonly network: LabNetwork;
  readonly volumes: LoopVolume[] = [];
  readonly watch: WorldWatch;
  power = new InstancePower([]);
  ec2!: Ec2Standin;
  /** The Route53 stand-in, started beside EC2's for a description with records. */
  route53?: Route53Standin;
  /** Every node booted so far, in the description's order. */
  protected readonly booted: LabNode[] = [];
  private readonly syslogs: NodeSyslog[] = [];
  private readonly descriptionText: string;

  protected constructor(readonly fixture: string) {
    this.descriptionText = readFileSync(fixture, "utf8");
    this.description = parseClusterDescription(this.descriptionText, fixture);
    this.dir = mkdtempSync(`/tmp/awsha-lab-${this.runId}-`);
    const dir = this.dir;
    // Registered first, so it runs last: by then nothing is mounted from it any more.
    this.teardown.add(`lab directory ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    this.network = new LabNetwork({ runId: this.runId, clusterPrefix, cloudGateway: `${cloudNet}.1`, cloudPrefix: 24 }, this.teardown);
    this.watch = new WorldWatch(() => this.ec2.control.state());
  }

  get volumeSpecs(): VolumeSpec[] {
    return this.description.resources.filter((r): r is VolumeSpec => r.kind === "volume");
  }

  async addressesOf(node: LabNode): Promise<string[]> {
    return this.network.addressesOn(node.name, node.member.interface);
  }

  /** Problems the lab's own reactions met (stand-in unreachable, a link it could not make). */
  get problems(): readonly string[] {
    return this.watch.problems;
  }

  destroy(): void {
    this.watch.stop();
    for (const s of this.syslogs) s.close();
    try {
      keepLogs(this.dir, this.booted, this.nodeLogs);
    } catch (e) {
      console.warn(`[lab] could not keep the logs: ${(e as Error).message}`);
    }
    const failures = this.teardown.runAll();
    if (failures.length > 0) console.warn(`[lab] teardown problems:\n  ${failures.join("\n  ")}`);
  }

  /** Files and directories of a node's directory worth keeping besides its syslog and daemon logs. */
  protected get nodeLogs(): readonly string[] {
    return [];
  }

  /** Runs `build`; if it fails, undoes whatever it left behind before rethrowing. */
  protected async buildOrDestroy(build: () => Promise<void>): Promise<void> {
    try {
      await build();
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  /** The hub network, the EC2 stand-in on it, and a loop device per volume. */
  protected async startCloud(): Promise<void> {
    await this.network.createHub();
    this.ec2 = await startEc2Standin({
      description: this.description,
      hubNamespace: this.network.hub,
      listenAddress: `${cloudNet}.1`,
      dir: this.dir,
      teardown: this.teardown,
    });
    if (this.description.resources.some((r) => r.kind === "record"))
      this.route53 = await startRoute53Standin({
        description: this.description,
        hubNamespace: this.network.hub,
        listenAddress: `${cloudNet}.1`,
        dir: this.dir,
        teardown: this.teardown,
      });
    for (const spec of this.volumeSpecs) this.volumes.push(await LoopVolume.create(spec.volumeId, this.dir, this.teardown));
  }

  /** The description's `index`th node: its networks, syslog and machine, the CLIs installed, powered on. */
  protected async bootNode(member: ClusterNode, index: number): Promise<LabNode> {
    await this.network.addNode({
      name: member.name,
      clusterInterface: member.interface,
      clusterAddress: member.address,
      cloudInterface: "cloud0",
      cloudAddress: `${cloudNet}.${11 + index}`,
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
    const node = new LabNode(member, machine, syslog, this.description, this.descriptionText, this.ec2.imds, {
      ...this.ec2.nodeEnv(member.instanceId),
      ...this.route53?.nodeEnv(),
    });
    node.install();
    await node.boot();
    this.booted.push(node);
    return node;
  }

  /** From now on the booted nodes' by-id links and power follow EC2's attachments and instance states. */
  protected async followCloud(): Promise<void> {
    const links = new DeviceLinks(
      this.volumes,
      this.booted.map((n) => ({ instanceId: n.instanceId, byIdDir: n.machine.byIdHostDir })),
    );
    const power = new InstancePower(this.booted.map((n) => ({ instanceId: n.instanceId, machine: n.machine })));
    this.power = power;
    this.watch.react((world) => links.follow(world));
    this.watch.react((world) => power.follow(world));
    this.watch.start();
    await this.watch.once();
  }
}
