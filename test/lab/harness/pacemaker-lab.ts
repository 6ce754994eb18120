import { existsSync, readFileSync } from "node:fs";
import { missingBundles } from "./bundles";
import { runSync } from "./commands";
import { LabBase } from "./lab-base";
import type { LabNode } from "./lab-node";
import { corosyncConf, NodePacemaker, pacemakerdBinary } from "./pacemaker";
import { parseCrmMon, type PacemakerStatus } from "./pacemaker-status";

// A lab whose nodes run Corosync and Pacemaker instead of keepalived or Heartbeat: LabBase's
// networks, EC2 stand-in, node machines and installed CLIs, plus each node's own Corosync and
// Pacemaker state. Everything it creates is undone by destroy(), also after a failed build.

export interface PacemakerNode {
  node: LabNode;
  pacemaker: NodePacemaker;
}

export class PacemakerLab extends LabBase {
  readonly nodes: PacemakerNode[] = [];

  static async create(fixture: string): Promise<PacemakerLab> {
    const lab = new PacemakerLab(fixture);
    await lab.buildOrDestroy(() => lab.build());
    return lab;
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

  protected override get nodeLogs(): readonly string[] {
    return ["pacemaker-log"];
  }

  private async build(): Promise<void> {
    await this.startCloud();
    const conf = corosyncConf(this.description.cluster, this.description.nodes);
    for (const [i, member] of this.description.nodes.entries()) {
      const node = await this.bootNode(member, i);
      const pacemaker = new NodePacemaker(node.machine, node.env);
      await pacemaker.prepare(conf, this.description.paths.notify);
      await pacemaker.mount();
      this.nodes.push({ node, pacemaker });
    }
    await this.followCloud();
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
