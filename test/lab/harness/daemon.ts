import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { sleep } from "./wait";

// A long-running process of the lab (keepalived, Heartbeat, a stand-in, a node's namespace anchor).
// Each is the leader of its own process group, so it and the children that stay in its group are
// signalled together by PID, never by name.

export interface DaemonSpec {
  name: string;
  argv: readonly string[];
  /** stdout and stderr are appended here. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

export class Daemon {
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    readonly pid: number,
    readonly logFile: string,
    exited: Promise<number | null>,
  ) {
    this.exited = exited.then((code) => void (this.exitCode = code));
  }

  static start(spec: DaemonSpec): Daemon {
    const out = openSync(spec.logFile, "a");
    const [file, ...args] = spec.argv;
    const child = spawn(file!, args, { detached: true, stdio: ["ignore", out, out], env: spec.env ?? process.env });
    closeSync(out);
    if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.argv.join(" ")}`);
    // The lab must not be kept alive by a daemon it forgot; teardown kills it by PID.
    child.unref();
    const exited = new Promise<number | null>((resolve) => {
      child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : null)));
      child.once("error", () => resolve(127));
    });
    return new Daemon(spec.name, child.pid, spec.logFile, exited);
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Signals the whole process group; a group that is gone already is fine. */
  signalGroup(signal: NodeJS.Signals): void {
    signalGroup(this.pid, signal);
  }

  /** Resolves true once the process has exited, false after timeoutMs. */
  async waitExit(timeoutMs: number): Promise<boolean> {
    if (!this.running) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = await Promise.race([this.exited.then(() => true), timedOut]);
    clearTimeout(timer);
    return done;
  }

  /** SIGTERM, then SIGKILL to the group if it has not gone within graceMs. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.signalGroup("SIGTERM");
    if (await this.waitExit(graceMs)) return;
    this.signalGroup("SIGKILL");
    await this.waitExit(2_000);
  }

  log(): string {
    try {
      return readFileSync(this.logFile, "utf8");
    } catch {
      return "";
    }
  }
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group has no members any more.
  }
}

export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Bounded wait until none of the PIDs is alive. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 1000; attempt++) {
    if (!pids.some(isLiveNotZombie)) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return false;
}

/** A zombie still answers kill(0); /proc tells it apart. */
export function isLiveNotZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
