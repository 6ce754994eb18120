import type { VolumeSpec } from "../../../src/cluster/schema";
import { LabBase } from "./lab-base";
import type { LabNode } from "./lab-node";
import type { LoopVolume } from "./loop-volume";
import { waitFor } from "./wait";

// A lab whose nodes run keepalived or Heartbeat (LabBase builds the rest), with the daemon's
// configs rendered on every node by aws-ha-gen. Everything it creates is undone by destroy(), also
// after a failed build.

export class Lab extends LabBase {
  get nodes(): readonly LabNode[] {
    return this.booted;
  }

  static async create(fixture: string, daemon: "keepalived" | "heartbeat"): Promise<Lab> {
    const lab = new Lab(fixture);
    await lab.buildOrDestroy(() => lab.build(daemon));
    return lab;
  }

  node(name: string): LabNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no lab node ${name}; nodes: ${this.nodes.map((n) => n.name).join(", ")}`);
    return node;
  }

  volume(volumeId: string): LoopVolume {
    return this.volumes.find((v) => v.volumeId === volumeId)!;
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

  private async build(daemon: "keepalived" | "heartbeat"): Promise<void> {
    await this.startCloud();
    for (const [i, member] of this.description.nodes.entries()) await this.bootNode(member, i);
    await this.followCloud();
    for (const node of this.nodes) {
      if (daemon === "keepalived") await node.installKeepalivedConfig();
      else await node.installHeartbeatConfig();
    }
  }
}
