import { readFileSync } from "node:fs";
import type { Daemon } from "./daemon";
import { signalProcess, waitGone } from "./daemon";
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
    const argv = [
      "keepalived",
      "-n",
      "-l",
      "-D",
      "-P",
      "-f",
      this.configPath,
      "-p",
      keepalivedPidFiles.parent,
      "-r",
      keepalivedPidFiles.vrrp,
      "-c",
      keepalivedPidFiles.checkers,
    ];
    this.daemon = this.node.startDaemon("keepalived", argv, this.env);
    return this.daemon;
  }

  get running(): boolean {
    return this.daemon?.running ?? false;
  }

  /**
   * Every keepalived process of the node (the parent and its VRRP child), found in the node's process
   * table rather than in the pid files, which a crash leaves stale and a young daemon has not written.
   */
  pids(): number[] {
    return this.node.processes().filter((pid) => commandName(pid) === "keepalived");
  }

  /**
   * A crash: the whole daemon dies at once, so no notify runs. Everything is stopped before anything
   * is killed: the VRRP child gets SIGTERM as soon as its parent dies (PR_SET_PDEATHSIG) and would
   * otherwise shut down gracefully, announcing priority 0 and writing STOP to the notify FIFO.
   * Returns when all are gone.
   */
  async crash(): Promise<number> {
    const pids = this.pids();
    if (pids.length === 0) throw new Error(`keepalived is not running on ${this.node.name}`);
    const at = Date.now();
    for (const pid of pids) signalProcess(pid, "SIGSTOP");
    for (const pid of pids) signalProcess(pid, "SIGKILL");
    if (!(await waitGone(pids, 5_000))) throw new Error(`keepalived on ${this.node.name} survived SIGKILL (${pids.join(", ")})`);
    return at;
  }

  /**
   * A graceful stop (systemctl stop): SIGTERM to the parent, which runs notify_stop and exits.
   * Returns the moment of the signal and how long keepalived took to exit, which is not part of the
   * failover: the peer takes over as soon as it hears priority 0.
   */
  async stop(timeoutMs = 15_000): Promise<{ at: number; exitMs: number }> {
    const pids = this.pids();
    const at = Date.now();
    if (this.daemon) signalProcess(this.daemon.pid, "SIGTERM");
    if (!(await waitGone(pids, timeoutMs))) throw new Error(`keepalived on ${this.node.name} did not stop within ${timeoutMs} ms`);
    return { at, exitMs: Date.now() - at };
  }

  log(): string {
    return this.daemon?.log() ?? "";
  }
}

function commandName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return undefined;
  }
}
