import { childProcesses } from "../platform/child-processes";
import type { Socket } from "node:net";
import { constants } from "node:os";
import { AwsHaError } from "../errors";
import type { CommandResult } from "./host-port";

// Every command the host runs goes through here: argv without a shell, a hard time limit, and
// errors that say which binary is missing or what the command printed when it failed.

/** Runs argv (no shell) and never takes longer than timeoutMs. */
export type Exec = (argv: readonly string[], timeoutMs: number) => Promise<CommandResult>;

export interface RunOptions {
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
}

/**
 * Told of every command the moment it is forked, in its own process group `pid`; the function it
 * returns is called once the command itself has exited.
 */
export interface CommandWatch {
  started(pid: number, argv: readonly string[]): () => void;
}

let watch: CommandWatch | undefined;

/** While a transition runs, the commands it starts are recorded (see transition/leftover-commands.ts). */
export function watchCommands(w: CommandWatch | undefined): void {
  watch = w;
}

/** More output than any command we parse prints; a runaway one cannot fill the memory. */
const maxOutputChars = 1 << 20;
/** setTimeout fires at once for anything longer. */
const maxTimerMs = 2 ** 31 - 1;
/** How long output may trail the exit: a daemon the command started can hold the pipes open for ever. */
const outputGraceMs = 200;

export function runCommand(argv: readonly string[], options: RunOptions): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new AwsHaError("host", "empty command"));
  return new Promise((resolve, reject) => {
    // A process group of its own, so a timeout kills what the command started as well.
    const child = childProcesses().spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, env: options.env });
    const ended = child.pid !== undefined ? watch?.started(child.pid, argv) : undefined;
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout = keepTail(stdout + chunk)));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = keepTail(stderr + chunk)));

    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(
      () => {
        killGroup(child.pid);
        // Do not wait for the exit: a process stuck in the kernel (a hung mount) ignores even SIGKILL.
        child.unref();
        for (const pipe of [child.stdout, child.stderr]) (pipe as unknown as Socket).unref();
        settle(() =>
          reject(new AwsHaError("timeout", `${argv.join(" ")} did not finish within ${formatMs(options.timeoutMs)} and was killed`)),
        );
      },
      Math.min(options.timeoutMs, maxTimerMs),
    );

    child.on("error", (e: NodeJS.ErrnoException) => settle(() => reject(spawnFailure(file, e))));
    child.on("exit", (code, signal) => {
      ended?.();
      const result = () => ({ exitCode: code ?? 128 + signalNumber(signal), stdout, stderr });
      const grace = setTimeout(() => {
        // Leave the pipes open but stop waiting for them: closing them now would kill a daemon that
        // writes to its inherited stdout with SIGPIPE.
        for (const pipe of [child.stdout, child.stderr]) (pipe as unknown as Socket).unref();
        settle(() => resolve(result()));
      }, outputGraceMs);
      child.on("close", () => {
        clearTimeout(grace);
        settle(() => resolve(result()));
      });
    });
  });
}

/** The command failed: one line naming it, its exit code and the end of what it printed. */
export function commandFailed(argv: readonly string[], result: CommandResult, fix?: string): AwsHaError {
  return new AwsHaError("host", `${argv.join(" ")} failed (exit ${result.exitCode}): ${outputTail(result)}`, fix ? { fix } : {});
}

/** Throws commandFailed unless the exit code is 0. */
export async function runChecked(exec: Exec, argv: readonly string[], timeoutMs: number, fix?: string): Promise<CommandResult> {
  const result = await exec(argv, timeoutMs);
  if (result.exitCode !== 0) throw commandFailed(argv, result, fix);
  return result;
}

/** The last lines of stderr (else stdout) as one line. */
export function outputTail(result: CommandResult): string {
  const text = result.stderr.trim() || result.stdout.trim();
  if (!text) return "no output";
  const line = text
    .split("\n")
    .slice(-3)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" / ");
  return line.length > 300 ? `…${line.slice(-300)}` : line;
}

/**
 * The environment for commands: daemons hand their scripts a short PATH (Heartbeat, cron-like
 * units), so the system directories where ip, mount and fsck live are always searched too.
 */
export function commandEnvironment(env: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dirs = (env.PATH ?? "").split(":").filter(Boolean);
  for (const dir of ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"])
    if (!dirs.includes(dir)) dirs.push(dir);
  const own: NodeJS.ProcessEnv = { ...env, ...extra, PATH: dirs.join(":") };
  // What a detached worker inherits from its parent is its own, not the commands': an aws-ha-notify
  // that a hook runs is a new event, neither a worker nor stamped with the worker's event.
  for (const name of workerVariables) delete own[name];
  return own;
}

/** Set by cli/detach.ts in a detached worker's environment. */
const workerVariables = ["AWS_HA_DETACHED_WORKER", "AWS_HA_EVENT_ARRIVAL"];

/** Which package provides a binary, for the "install …" hint. */
const packageOf: Record<string, string> = {
  ip: "iproute2",
  mount: "mount (util-linux)",
  umount: "mount (util-linux)",
  fsck: "util-linux",
  "fsck.ext2": "e2fsprogs",
  "fsck.ext3": "e2fsprogs",
  "fsck.ext4": "e2fsprogs",
  systemctl: "systemd",
  arping: "iputils-arping",
};

function spawnFailure(file: string, e: NodeJS.ErrnoException): AwsHaError {
  const name = file.split("/").pop() ?? file;
  // A bare name that is nowhere in PATH reads EACCES when some PATH directory is not searchable.
  if (e.code === "ENOENT" || (e.code === "EACCES" && !file.includes("/"))) {
    const what = packageOf[name]
      ? `install ${packageOf[name]}`
      : file.includes("/")
        ? "install it or correct the path"
        : `install the package that provides ${name}`;
    return new AwsHaError("install", `${file} not found; ${what}`);
  }
  if (e.code === "EACCES") return new AwsHaError("install", `${file} is not executable; chmod +x it`);
  return new AwsHaError("host", `cannot run ${file}: ${e.message}`);
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

function keepTail(text: string): string {
  return text.length > maxOutputChars ? text.slice(-maxOutputChars) : text;
}

/** A signal death reads like the shell's exit status: 128 + the signal number. */
function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? constants.signals[signal] : 0;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
