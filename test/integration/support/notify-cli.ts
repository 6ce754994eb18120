import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The shipped single-file aws-ha-notify, run as keepalived or Heartbeat runs it: one child process
// per event, in its own process group (keepalived kills a notify script's whole group). Every run
// is bounded in time, and every process a scenario starts — the detached release workers included,
// which carry the world's marker in their environment — can be found and ended by its PID.

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
export const notifyBundle = join(repoRoot, "bin", "aws-ha-notify");

/** Set in every CLI's environment, and inherited by the workers it detaches. */
export const markerVariable = "AWS_HA_ITEST_WORLD";

export function requireBundle(): void {
  if (!existsSync(notifyBundle)) throw new Error(`${notifyBundle} is not built: run npm run build`);
}

export interface NotifyResult {
  /** null when the process was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** The run outlived its time limit and was killed. */
  timedOut: boolean;
}

export class NotifyProcess {
  readonly pid: number;
  /** The process itself exited (a detached worker may live on). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Exited and its output read to the end (or the output stayed open too long after the exit). */
  readonly finished: Promise<NotifyResult>;
  private stdoutText = "";
  private stderrText = "";

  /** `command` runs the bundle: this Node.js by default, or the words a generated config starts it with. */
  constructor(
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    timeoutMs: number,
    command: readonly string[] = [process.execPath, notifyBundle],
  ) {
    const started = performance.now();
    const [program, ...programArgs] = command;
    const child = spawn(program!, [...programArgs, ...args], { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    if (child.pid === undefined) throw new Error(`could not start ${command.join(" ")}`);
    this.pid = child.pid;
    child.stdout.setEncoding("utf8").on("data", (s: string) => (this.stdoutText += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (this.stderrText += s));
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      this.killGroup("SIGKILL");
    }, timeoutMs);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        clearTimeout(limit);
        resolve({ code, signal });
      });
    });
    const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
    this.finished = this.exited.then(async ({ code, signal }) => {
      // A worker it detached inherits its stdout: give the output a moment to end, not for ever.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 3_000))]);
      return { code, signal, stdout: this.stdoutText, stderr: this.stderrText, ms: Math.round(performance.now() - started), timedOut };
    });
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** What keepalived does to a notify script it has given up on. */
  killGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // already gone
    }
  }
}

/** PIDs of the live processes whose environment carries `marker` (ours only: others' environ is unreadable). */
export async function markedProcesses(marker: string): Promise<number[]> {
  const needle = `\0${markerVariable}=${marker}\0`;
  const pids = (await readdir("/proc")).filter((name) => /^\d+$/.test(name)).map(Number);
  const found: number[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
    if (`\0${environ}\0`.includes(needle)) found.push(pid);
  }
  return found;
}
