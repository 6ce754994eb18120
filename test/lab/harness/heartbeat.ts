import { chmodSync, chownSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { heartbeatScriptNames } from "../../../src/gen/heartbeat";
import { runOk } from "./commands";
import type { Daemon } from "./daemon";
import type { NodeMachine } from "./node-machine";

// Heartbeat v1 on a lab node, as reference §5 measured it: it hard-codes /etc/ha.d,
// /var/lib/heartbeat and /run/heartbeat.pid and takes its node name from `uname -n`, so each node
// gets its own copies of those directories inside its mount namespace (NodeMachine binds them) and
// its host name. The configuration files are the ones aws-ha-gen rendered for the node.

export const heartbeatBinary = "/usr/libexec/heartbeat/heartbeat";

export interface HeartbeatFiles {
  /** The directory aws-ha-gen wrote ha.cf, haresources and authkeys to for this node. */
  renderedDir: string;
  /** Where aws-ha-notify and aws-ha-updateeip are installed inside the node (paths.notify, paths.updateeip). */
  notifyPath: string;
  updateeipPath: string;
}

export class NodeHeartbeat {
  private daemon: Daemon | undefined;

  constructor(
    private readonly node: NodeMachine,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /**
   * Lays out /etc/ha.d, /var/lib/heartbeat and /run/heartbeat for the node. The directories are
   * filled in place: the node's mount namespace has them bind-mounted already.
   */
  async install(files: HeartbeatFiles): Promise<void> {
    const haDir = join(this.node.spec.dir, "ha.d");
    // The packaged scripts (harc, rc.d, resource.d, shellfuncs) are what Heartbeat runs around ours.
    cpSync("/etc/ha.d", haDir, { recursive: true, preserveTimestamps: true });
    for (const name of ["ha.cf", "haresources", "authkeys"]) copyFileSync(join(files.renderedDir, name), join(haDir, name));
    // Heartbeat refuses to start when authkeys is readable by group or others.
    chmodSync(join(haDir, "authkeys"), 0o600);
    // Both links, as INSTALL.md makes them: haresources names one or the other.
    for (const [name, target] of [
      [heartbeatScriptNames.notify, files.notifyPath],
      [heartbeatScriptNames.updateeip, files.updateeipPath],
    ] as const) {
      const link = join(haDir, "resource.d", name);
      rmSync(link, { force: true });
      symlinkSync(target, link);
    }

    // Heartbeat's state directories with their packaged owners (hacluster for ccm, crm, pengine).
    await runOk(["cp", "-a", "/var/lib/heartbeat/.", join(this.node.spec.dir, "heartbeat-lib")]);

    const runHeartbeat = join(this.node.runDir, "heartbeat");
    mkdirSync(runHeartbeat, { recursive: true });
    const { uid, gid } = haclusterIds();
    chownSync(runHeartbeat, uid, gid);
    chmodSync(runHeartbeat, 0o750);
  }

  start(): Daemon {
    this.daemon = this.node.startDaemon("heartbeat", [heartbeatBinary, "-f"], this.env);
    return this.daemon;
  }

  get running(): boolean {
    return this.daemon?.running ?? false;
  }

  log(): string {
    return this.daemon?.log() ?? "";
  }
}

function haclusterIds(): { uid: number; gid: number } {
  const passwd = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("hacluster:"));
  const group = readFileSync("/etc/group", "utf8")
    .split("\n")
    .find((l) => l.startsWith("haclient:"));
  if (!passwd || !group) throw new Error("the hacluster user or haclient group is missing (is the heartbeat package installed?)");
  return { uid: Number(passwd.split(":")[2]), gid: Number(group.split(":")[2]) };
}
