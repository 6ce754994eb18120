import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ClusterDescription, ClusterNode } from "../../../src/cluster/schema";
import { bundlePath, type BundleName } from "./bundles";
import type { Daemon } from "./daemon";
import { NodeHeartbeat } from "./heartbeat";
import { NodeKeepalived } from "./keepalived";
import type { NodeMachine } from "./node-machine";
import type { NodeSyslog } from "./node-syslog";
import { notifyRecords, type NotifyRecord } from "./notify-log";
import { renderedFile } from "./rendered-configs";

// One node of the lab as the scenarios see it: the machine, its syslog, the installed aws-ha CLIs,
// its IMDS, the configs aws-ha-gen rendered on it, and the cluster daemon it runs.

/** Where the lab keeps its own files inside a node (under the node's private /run). */
export const labDirInNode = "/run/aws-ha-lab";
export const descriptionInNode = `${labDirInNode}/cluster.yaml`;
const renderedInNode = `${labDirInNode}/gen`;

export interface ImdsLauncher {
  /** argv that serves IMDSv2 for the instance inside the node's network namespace. */
  argv(instanceId: string): string[];
  /** The endpoint the node's processes use. */
  endpoint: string;
}

export class LabNode {
  readonly keepalived: NodeKeepalived;
  readonly heartbeat: NodeHeartbeat;
  private imds: Daemon | undefined;

  constructor(
    readonly member: ClusterNode,
    readonly machine: NodeMachine,
    readonly syslog: NodeSyslog,
    private readonly description: ClusterDescription,
    private readonly descriptionText: string,
    private readonly imdsLauncher: ImdsLauncher,
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.keepalived = new NodeKeepalived(machine, `${labDirInNode}/keepalived.conf`, env);
    this.heartbeat = new NodeHeartbeat(machine, env);
  }

  get name(): string {
    return this.member.name;
  }

  get instanceId(): string {
    return this.member.instanceId;
  }

  /**
   * Puts the bundled CLIs where the description says the daemons find them, in root-owned 0755
   * directories: keepalived's script security disables scripts in a group- or world-writable path.
   */
  install(): void {
    mkdirSync(this.machine.hostPathOf(labDirInNode), { recursive: true, mode: 0o755 });
    writeFileSync(this.machine.hostPathOf(descriptionInNode), this.descriptionText, { mode: 0o644 });
    const install = (name: BundleName, nodePath: string) => {
      const hostPath = this.machine.hostPathOf(nodePath);
      mkdirSync(dirname(hostPath), { recursive: true, mode: 0o755 });
      for (let dir = dirname(hostPath); dir.startsWith(this.machine.runDir) && dir !== this.machine.runDir; dir = dirname(dir))
        chmodSync(dir, 0o755);
      copyFileSync(bundlePath(name), hostPath);
      chmodSync(hostPath, 0o755);
    };
    install("aws-ha-notify", this.description.paths.notify);
    install("aws-ha-updateeip", this.description.paths.updateeip);
    install("aws-ha-gen", `${labDirInNode}/bin/aws-ha-gen`);
  }

  /** Boots the machine and its IMDS; the cluster daemon is started separately. */
  async boot(): Promise<void> {
    await this.machine.powerOn();
    this.imds = this.machine.startDaemon("imds", this.imdsLauncher.argv(this.instanceId), this.env);
  }

  /** Renders this node's configs with aws-ha-gen on the node itself, as an operator would. */
  async render(): Promise<string> {
    await this.machine.execOk(["node", `${labDirInNode}/bin/aws-ha-gen`, "all", "--cluster", descriptionInNode, "--out", renderedInNode], {
      env: this.env,
      timeoutMs: 30_000,
    });
    return this.machine.hostPathOf(renderedInNode);
  }

  async installKeepalivedConfig(): Promise<void> {
    const outDir = await this.render();
    copyFileSync(renderedFile(outDir, this.name, "keepalived.conf"), this.machine.hostPathOf(`${labDirInNode}/keepalived.conf`));
    // keepalived -t proves the syntax in the namespace that owns the interface (reference §2).
    const test = await this.machine.exec(["keepalived", "-t", "-e", "-f", `${labDirInNode}/keepalived.conf`], { env: this.env });
    if (test.code !== 0)
      throw new Error(`keepalived -t rejected the rendered config on ${this.name} (rc ${test.code}): ${test.stderr.trim()}`);
  }

  async installHeartbeatConfig(): Promise<void> {
    const outDir = await this.render();
    await this.heartbeat.install({
      renderedDir: dirname(renderedFile(outDir, this.name, "ha.cf")),
      notifyPath: this.description.paths.notify,
      updateeipPath: this.description.paths.updateeip,
    });
  }

  notify(since = 0): NotifyRecord[] {
    return notifyRecords(this.syslog.lines, since);
  }

  /** keepalived's "Entering MASTER STATE" (or another state) lines after `since`. */
  vrrpStateLines(state: "MASTER" | "BACKUP" | "FAULT", since = 0): number[] {
    return this.syslog.lines
      .filter((l) => l.at >= since && l.tag.startsWith("Keepalived") && l.message.includes(`Entering ${state} STATE`))
      .map((l) => l.at);
  }

  logFile(name: string): string {
    return join(this.machine.logDir, name);
  }
}
