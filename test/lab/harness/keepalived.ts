import { readFileSync } from "node:fs";
import type { Daemon } from "./daemon";
import { processAlive, signalProcess, waitGone } from "./daemon";
import type { NodeMachine } from "./node-machine";

// keepalived on a lab node, started as reference §5 measured it: in the foreground with explicit
// pid files (without them a second instance on the host says "already running" and exits 0),
// logging to the console (this build has no log-file option) and to the node's syslog.

export const keepalivedPidFiles = {
  parent: "/run/keepalived.pid",
  vrrp: "/run/keepalived_vrrp.pid",
  checkers: "/run/keepalived_checkers.pid",
} as const;

export class NodeKeepalived {
  private daemon: Daemon | undefined;

  constructor(
    private readonly node: NodeMachine,
    /** keepalived.conf as the node sees it. */
    private readonly configPath: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  start(): Daemon {
    const argv = ["keepalived", "-n", "-l", "-D", "-P", "-f", this.configPath, "-p", keepalivedPidFiles.parent, "-r", keepalivedPidFiles.vrrp, "-c", keepalivedPidFiles.checkers];
    this.daemon = this.node.startDaemon("keepalived", argv, this.env);
    return this.daemon;
  }

  get running(): boolean {
    return this.daemon?.running ?? false;
  }

  /** The parent and its VRRP child, from the pid files (the child is not in any list we keep). */
  pids(): number[] {
    const pids: number[] = [];
    for (const file of [keepalivedPidFiles.parent, keepalivedPidFiles.vrrp]) {
      try {
        const pid = Number.parseInt(readFileSync(this.node.hostPathOf(file), "utf8"), 10);
        if (Number.isFinite(pid) && pid > 0 && processAlive(pid)) pids.push(pid);
      } catch {
        // not written yet, or removed at a clean exit
      }
    }
    if (this.daemon?.running && !pids.includes(this.daemon.pid)) pids.unshift(this.daemon.pid);
    return pids;
  }

  /** A crash: SIGKILL to the parent and the VRRP child at once, so no notify runs. Returns when both are gone. */
  async crash(): Promise<number> {
    const pids = this.pids();
    const at = Date.now();
    for (const pid of pids) signalProcess(pid, "SIGKILL");
    if (!(await waitGone(pids, 5_000))) throw new Error(`keepalived on ${this.node.name} survived SIGKILL (${pids.join(", ")})`);
    return at;
  }

  /** A graceful stop (systemctl stop): SIGTERM to the parent, which runs notify_stop and exits. */
  async stop(timeoutMs = 15_000): Promise<number> {
    const pids = this.pids();
    const at = Date.now();
    if (this.daemon) signalProcess(this.daemon.pid, "SIGTERM");
    if (!(await waitGone(pids, timeoutMs))) throw new Error(`keepalived on ${this.node.name} did not stop within ${timeoutMs} ms`);
    return at;
  }

  log(): string {
    return this.daemon?.log() ?? "";
  }
}
