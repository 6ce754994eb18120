import { spawn } from "node:child_process";

// A child process timed from spawn to exit, on the bench's own clock. Asynchronous, because the
// stand-ins it talks to answer from this same process's event loop.

export interface TimedRun {
  code: number | null;
  ms: number;
  /** Epoch ms at exit, comparable with the stand-in's timestamps. */
  endedAt: number;
  stdout: string;
  stderr: string;
}

export interface TimedOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Killed (by its PID) after this long; a bench must never hang. */
  timeoutMs?: number;
}

export function timedRun(argv: readonly string[], options: TimedOptions): Promise<TimedRun> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file!, args, { env: options.env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      resolve({ code, ms, endedAt: Date.now(), stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
  });
}

/**
 * Cold runs of a CLI that come first after a build and are not measured. The first meets the
 * description as new: it parses it, and leaves the code cache to the next run, whose code cache then
 * holds no parsing (src/build/code-cache-bootstrap.ts). From the third on, a run is what every
 * failover of a node is; the page cache holds node and the bundle by then too.
 */
export const unmeasuredRuns = 2;

/** Runs must succeed for their time to mean anything. */
export function expectSuccess(run: TimedRun, what: string): TimedRun {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}:\n${run.stderr.trim() || run.stdout.trim()}`);
  return run;
}

/** The environment of the measured commands: PATH and HOME, none of the host's AWS_* settings, then `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ["PATH", "HOME", "LANG", "TMPDIR"]) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}
