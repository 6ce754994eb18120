import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { randomBytes } from "node:crypto";
import { parseClusterDescription } from "../../../src/cluster/load";
import type { ClusterDescription, VolumeSpec } from "../../../src/cluster/schema";
import { missingBundles } from "./bundles";
import { runSync } from "./commands";
import { DeviceLinks } from "./device-links";
import { startEc2Standin, type Ec2Standin } from "./ec2-standin";
import { InstancePower } from "./instance-power";
import { clusterPrefix } from "./lab";
import { LabNode } from "./lab-node";
import { LoopVolume } from "./loop-volume";
import { LabNetwork } from "./network";
import { NodeMachine } from "./node-machine";
import { NodeSyslog } from "./node-syslog";
import { keepLogsVariable } from "./scenario";
import { corosyncConf, NodePacemaker, pacemakerdBinary } from "./pacemaker";
import { parseCrmMon, type PacemakerStatus } from "./pacemaker-status";
import { Teardown } from "./teardown";
import { WorldWatch } from "./world-watch";

// A lab whose nodes run Corosync and Pacemaker instead of keepalived or Heartbeat: the same
// networks, EC2 stand-in, node machines and installed CLIs as Lab, plus each node's own Corosync
// and Pacemaker state. Volumes are loop devices that show up in a node's by-id directory while EC2
// has them attached there, and a node EC2 stops stops for real. Everything it creates is undone by destroy(), also after a failed build.

const cloudNet = "10.231.2";

export interface PacemakerNode {
  node: LabNode;
  pacemaker: NodePacemaker;
}

export class PacemakerLab {
  readonly teardown = new Teardown();
  readonly runId = randomBytes(2).toString("hex");
  readonly dir: string;
  readonly description: ClusterDescription;
  readonly network: LabNetwork;
  readonly nodes: PacemakerNode[] = [];
  readonly volumes: LoopVolume[] = [];
  readonly watch: WorldWatch;
  ec2!: Ec2Standin;
  private readonly syslogs: NodeSyslog[] = [];
  private readonly descriptionText: string;

  private constructor(fixture: string) {
    this.descriptionText = readFileSync(fixture, "utf8");
    this.description = parseClusterDescription(this.descriptionText, fixture);
    this.dir = mkdtempSync(`/tmp/awsha-lab-${this.runId}-`);
    const dir = this.dir;
    this.teardown.add(`lab directory ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    this.network = new LabNetwork({ runId: this.runId, clusterPrefix, cloudGateway: `${cloudNet}.1`, cloudPrefix: 24 }, this.teardown);
    this.watch = new WorldWatch(() => this.ec2.control.state());
  }

  static async create(fixture: string): Promise<PacemakerLab> {
    const lab = new PacemakerLab(fixture);
    try {
      await lab.build();
      return lab;
    } catch (e) {
      lab.destroy();
      throw e;
    }
  }

  node(name: string): PacemakerNode {
    const found = this.nodes.find((n) => n.node.name === name);
    if (!found) throw new Error(`no lab node ${name}; nodes: ${this.nodes.map((n) => n.node.name).join(", ")}`);
    return found;
  }

  /** The cluster as `via` sees it. */
  async status(via: PacemakerNode): Promise<PacemakerStatus> {
    return parseCrmMon(await via.pacemaker.tool(["crm_mon", "--one-shot", "--output-as=xml"]));
  }

  get volumeSpecs(): VolumeSpec[] {
    return this.description.resources.filter((r): r is VolumeSpec => r.kind === "volume");
  }

  async addressesOf(node: LabNode): Promise<string[]> {
    return this.network.addressesOn(node.name, node.member.interface);
  }

  destroy(): void {
    this.watch.stop();
    for (const s of this.syslogs) s.close();
    this.keepLogs();
    const failures = this.teardown.runAll();
    if (failures.length > 0) console.warn(`[lab] teardown problems:\n  ${failures.join("\n  ")}`);
  }

  /** Copies every node's syslog, daemon output and Pacemaker log to $AWS_HA_LAB_KEEP_LOGS, if set. */
  private keepLogs(): void {
    const target = process.env[keepLogsVariable];
    if (!target) return;
    const dest = join(target, basename(this.dir));
    try {
      for (const { node } of this.nodes)
        for (const part of ["syslog.log", "logs", "pacemaker-log"]) {
          const from = join(node.machine.spec.dir, part);
          if (existsSync(from)) cpSync(from, join(dest, node.name, part), { recursive: true });
        }
    } catch (e) {
      console.warn(`[lab] could not keep the logs: ${(e as Error).message}`);
    }
  }

  get problems(): readonly string[] {
    return this.watch.problems;
  }

  private async build(): Promise<void> {
    await this.network.createHub();
    this.ec2 = await startEc2Standin({
      description: this.description,
      hubNamespace: this.network.hub,
      listenAddress: `${cloudNet}.1`,
      dir: this.dir,
      teardown: this.teardown,
    });
    for (const spec of this.volumeSpecs) this.volumes.push(await LoopVolume.create(spec.volumeId, this.dir, this.teardown));
    const conf = corosyncConf(this.description.cluster, this.description.nodes);
    for (const [i, member] of this.description.nodes.entries()) {
      await this.network.addNode({
        name: member.name,
        clusterInterface: member.interface,
        clusterAddress: member.address,
        cloudInterface: "cloud0",
        cloudAddress: `${cloudNet}.${11 + i}`,
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
      const env = this.ec2.nodeEnv(member.instanceId);
      const node = new LabNode(member, machine, syslog, this.description, this.descriptionText, this.ec2.imds, env);
      node.install();
      await node.boot();
      const pacemaker = new NodePacemaker(machine, env);
      await pacemaker.prepare(conf, this.description.paths.notify);
      await pacemaker.mount();
      this.nodes.push({ node, pacemaker });
    }
    const links = new DeviceLinks(
      this.volumes,
      this.nodes.map((n) => ({ instanceId: n.node.instanceId, byIdDir: n.node.machine.byIdHostDir })),
    );
    this.watch.react((world) => links.follow(world));
    const power = new InstancePower(this.nodes.map((n) => ({ instanceId: n.node.instanceId, machine: n.node.machine })));
    this.watch.react((world) => power.follow(world));
    this.watch.start();
    await this.watch.once();
  }
}

const packages = "apt-get install --no-install-recommends corosync pacemaker pacemaker-cli-utils";
/** Each tool the lab runs, with the Debian package that brings it. */
const tools: readonly (readonly [string, string])[] = [
  ["ip", "iproute2"],
  ["unshare", "util-linux"],
  ["nsenter", "util-linux"],
  ["mount", "mount"],
  ["losetup", "mount"],
  ["mkfs.ext4", "e2fsprogs"],
  ["truncate", "coreutils"],
  ["logger", "bsdutils"],
  ["corosync", "corosync"],
  [pacemakerdBinary, "pacemaker"],
  ["cibadmin", "pacemaker-cli-utils"],
  ["crm_mon", "pacemaker-cli-utils"],
  ["crm_attribute", "pacemaker-cli-utils"],
];

/** Why the Pacemaker lab cannot run here, naming the missing piece; undefined when it can. */
export function pacemakerLabBlocker(): string | undefined {
  if (process.platform !== "linux") return "the lab needs Linux network namespaces";
  if (process.getuid?.() !== 0) return "the lab needs root (network namespaces, mounts, Corosync and Pacemaker)";
  for (const [tool, pkg] of tools)
    if (runSync(["sh", "-c", `command -v ${tool}`]).code !== 0)
      return `${tool} is not installed (package ${pkg}; the lab's set: ${packages})`;
  if (!existsSync("/dev/loop-control")) return "no /dev/loop-control: loop devices are unavailable here";
  if (!existsSync("/usr/lib/pacemaker/pacemaker-execd")) return `/usr/lib/pacemaker/pacemaker-execd is missing (${packages})`;
  if (!/^hacluster:/m.test(readFileSync("/etc/passwd", "utf8"))) return `the hacluster user is missing (${packages})`;
  return missingBundles();
}
