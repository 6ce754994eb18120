import { chmodSync, copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterNode } from "../../../src/cluster/schema";
import { ocfAgentPath } from "../../../src/gen/pacemaker";
import { bundlePath } from "./bundles";
import { runOk } from "./commands";
import { signalProcess, type Daemon } from "./daemon";
import type { NodeMachine } from "./node-machine";

// Corosync and Pacemaker on a lab node. Both keep their state in fixed places (/etc/corosync,
// /var/lib/corosync, /var/lib/pacemaker, /var/log/pacemaker) and take the node name from
// corosync.conf's nodelist, so each node gets its own copies of those directories, bound inside its
// mount namespace over the host's. The OCF agent directory is the node's own copy too, with aws-ha's
// provider added: /usr/lib/ocf/resource.d/aws-ha/aws-ha links to the installed aws-ha-notify, as an
// operator installs it. Their IPC (libqb) uses /dev/shm, private to the node, and abstract Unix
// sockets, private to its network namespace.
//
// Pacemaker's executor hands its own environment to the agents, so the node's environment (the
// EC2 and IMDS endpoints) is pacemakerd's, as /etc/default/pacemaker would give it under systemd.
//
// Pacemaker's fencer finds stonith agents only in /usr/sbin, as fence_*: the node sees the host's
// /usr/sbin through an overlay whose upper layer holds fence_aws_ha (the built aws-ha-fence), as the
// Debian package installs it. The host's /usr/sbin is never written.

/** Host directories copied per node: [path inside the node, copy's directory name]. */
const privateDirs = [
  ["/etc/corosync", "corosync-etc"],
  ["/var/lib/corosync", "corosync-lib"],
  ["/var/lib/pacemaker", "pacemaker-lib"],
  ["/var/log/pacemaker", "pacemaker-log"],
  ["/usr/lib/ocf/resource.d", "ocf-resource.d"],
] as const;

export const pacemakerdBinary = "pacemakerd";
/** The stonith agent's name, and so its file in /usr/sbin. */
export const fenceAgentName = "fence_aws_ha";

/** A nodelist of every node, knet over UDP on the cluster addresses; three votes, no two_node. */
export function corosyncConf(cluster: string, nodes: readonly ClusterNode[]): string {
  const nodelist = nodes.map((n, i) => `  node {\n    name: ${n.name}\n    nodeid: ${i + 1}\n    ring0_addr: ${n.address}\n  }`).join("\n");
  return [
    "totem {",
    "  version: 2",
    `  cluster_name: ${cluster}`,
    "  transport: knet",
    // The lab's cluster network is inside its own namespaces; a key would prove nothing here.
    "  crypto_cipher: none",
    "  crypto_hash: none",
    "}",
    "logging {",
    "  to_stderr: yes",
    "  to_logfile: no",
    "  to_syslog: no",
    "  timestamp: on",
    "}",
    "quorum {",
    "  provider: corosync_votequorum",
    "}",
    "nodelist {",
    nodelist,
    "}",
    "",
  ].join("\n");
}

export class NodePacemaker {
  private corosync: Daemon | undefined;
  private pacemakerd: Daemon | undefined;

  constructor(
    private readonly node: NodeMachine,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  private hostDir(name: string): string {
    return join(this.node.spec.dir, name);
  }

  /** Host path of the node's Pacemaker log (/var/log/pacemaker/pacemaker.log inside). */
  get logFile(): string {
    return join(this.hostDir("pacemaker-log"), "pacemaker.log");
  }

  /**
   * Fills the node's copies from the installed packages (owners kept: Pacemaker's directories
   * belong to hacluster) and adds corosync.conf and the aws-ha agent, linked to `notifyPath`.
   */
  async prepare(conf: string, notifyPath: string): Promise<void> {
    for (const [inNode, name] of privateDirs) {
      const copy = this.hostDir(name);
      rmSync(copy, { recursive: true, force: true });
      mkdirSync(copy, { recursive: true, mode: 0o755 });
      await runOk(["cp", "-a", `${inNode}/.`, copy]);
    }
    writeFileSync(join(this.hostDir("corosync-etc"), "corosync.conf"), conf, { mode: 0o644 });
    const agent = join(this.hostDir("ocf-resource.d"), ocfAgentPath.slice("/usr/lib/ocf/resource.d/".length));
    mkdirSync(join(agent, ".."), { recursive: true, mode: 0o755 });
    symlinkSync(notifyPath, agent);
    for (const layer of ["sbin-upper", "sbin-work"]) {
      rmSync(this.hostDir(layer), { recursive: true, force: true });
      mkdirSync(this.hostDir(layer), { mode: 0o755 });
    }
    const fenceAgent = join(this.hostDir("sbin-upper"), fenceAgentName);
    copyFileSync(bundlePath("aws-ha-fence"), fenceAgent);
    chmodSync(fenceAgent, 0o755);
  }

  /** Binds the node's copies inside its mount namespace; needed again after every power on. */
  async mount(): Promise<void> {
    const sbin = `mount -t overlay -o lowerdir=/usr/sbin,upperdir=${this.hostDir("sbin-upper")},workdir=${this.hostDir("sbin-work")} lab-sbin /usr/sbin`;
    const binds = [...privateDirs.map(([inNode, name]) => `mount --bind ${this.hostDir(name)} ${inNode}`), sbin].join(" && ");
    await this.node.execOk(["sh", "-ec", binds]);
  }

  startCorosync(): void {
    this.corosync = this.node.startDaemon("corosync", ["corosync", "-f"], this.env);
  }

  startPacemaker(): void {
    this.pacemakerd = this.node.startDaemon("pacemaker", [pacemakerdBinary, "-f"], {
      ...this.env,
      PCMK_logfile: "/var/log/pacemaker/pacemaker.log",
    });
  }

  get pacemakerRunning(): boolean {
    return this.pacemakerd?.running ?? false;
  }

  /**
   * A graceful Pacemaker stop: SIGTERM to pacemakerd, which stops this node's resources, leaves
   * the cluster and exits. Corosync stays up. Resolves whether it exited within timeoutMs.
   */
  async stopPacemaker(timeoutMs: number): Promise<boolean> {
    const daemon = this.pacemakerd;
    if (!daemon?.running) return true;
    signalProcess(daemon.pid, "SIGTERM");
    return daemon.waitExit(timeoutMs);
  }

  /** Runs a Pacemaker or Corosync tool inside the node. */
  tool(argv: readonly string[], timeoutMs = 15_000): Promise<string> {
    return this.node.execOk(argv, { env: this.env, timeoutMs });
  }

  logs(): string {
    return [this.corosync?.log() ?? "", this.pacemakerd?.log() ?? ""].join("\n");
  }
}
