import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { markedProcesses, markerVariable } from "../support/notify-cli";
import { sleep } from "../support/wait";
import { crashSignIn, linesOf, notAProblemList, notOneLine } from "./output-shape";

// A built CLI run the way a daemon runs it, on one fuzzed input: in its own process group, killed
// with that group when it outlives its time, and followed by a sweep for any worker it detached
// (they carry the marker in their environment). Then the checks every error output must pass.

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
export type Bundle = "aws-ha-notify" | "aws-ha-updateeip" | "aws-ha-gen";

export function bundlePath(name: Bundle): string {
  const path = join(repoRoot, "bin", name);
  if (!existsSync(path)) throw new Error(`${path} is not built: run npm run build`);
  return path;
}

export interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

/** Runs in `cwd` (the case's own directory: a relative path in a fuzzed argument lands there). */
export async function runBundle(
  name: Bundle,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number },
): Promise<CliOutcome> {
  const { env, cwd, timeoutMs } = options;
  const started = performance.now();
  const child = spawn(process.execPath, [bundlePath(name), ...args], { env, cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const closed = new Promise((resolve) => child.once("close", resolve));
  let stdout = "";
  let stderr = "";
  // Enough to judge the output, and a bound on what a runaway process can make this one hold.
  const keep = (text: string, more: string) => (text.length < 1 << 20 ? text + more : text);
  child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout = keep(stdout, s)));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr = keep(stderr, s)));
  let timedOut = false;
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  const limit = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (c, s) => resolve({ code: c, signal: s })),
  );
  clearTimeout(limit);
  // A detached worker may hold the pipes open after the process itself is gone.
  await Promise.race([closed, sleep(2_000)]);
  killGroup();
  return { code, signal, stdout, stderr, ms: Math.round(performance.now() - started), timedOut };
}

/** Ends every process that still carries `marker` (workers a CLI detached), by PID. */
export async function endMarked(marker: string): Promise<number[]> {
  const found = await markedProcesses(marker);
  for (const pid of found) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

export { markerVariable };

/**
 * What is wrong with the stderr of a run that failed on bad input, or undefined: after removing a
 * fixed trailer (a usage text), it must be one clean line or a config problem list, with no crash in it.
 */
export function errorOutputProblem(stderr: string, options: { prefix?: RegExp; trailers?: readonly string[] } = {}): string | undefined {
  const crash = crashSignIn(stderr);
  if (crash) return crash;
  let text = stderr;
  for (const trailer of options.trailers ?? []) if (text.endsWith(trailer)) text = text.slice(0, -trailer.length);
  // --log-format json: one record per line; what the operator reads is each record's msg.
  const messages = linesOf(text).map(jsonMessage);
  const json = messages.length > 0 && messages.every((m) => m !== undefined);
  const lines = json ? messages.map((m) => `ERROR ${m!}`) : linesOf(text);
  if (json) options = { ...options, prefix: /^ERROR / };
  if (lines.length === 0) return "says nothing";
  const first = lines[0]!.replace(options.prefix ?? /^/, "");
  if (lines.length === 1) {
    const dirty = notOneLine(first);
    return dirty ? `its one line ${dirty}` : undefined;
  }
  // The log writes a problem list one record per problem ("ERROR nodes: …"); printed as an
  // error's text it is indented under its heading instead ("  nodes: …").
  const logged = options.prefix !== undefined && lines.slice(1).every((l) => options.prefix!.test(l));
  const rest = logged ? lines.slice(1).map((l) => `  ${l.replace(options.prefix!, "")}`) : lines.slice(1);
  const list = notAProblemList([first, ...rest].join("\n"));
  return list ? `${lines.length} lines and not a problem list (${list}): ${JSON.stringify(stderr.slice(0, 400))}` : undefined;
}

function jsonMessage(line: string): string | undefined {
  try {
    const record = JSON.parse(line) as { msg?: unknown };
    return typeof record.msg === "string" ? record.msg : undefined;
  } catch {
    return undefined;
  }
}

/** What is wrong with the stderr of a run on good input (its log), or undefined: no crash, clean lines, and not a flood of them. */
export function logOutputProblem(stderr: string, maxLines: number): string | undefined {
  const crash = crashSignIn(stderr);
  if (crash) return crash;
  const lines = linesOf(stderr);
  if (lines.length > maxLines) return `${lines.length} lines: ${JSON.stringify(stderr.slice(0, 400))}`;
  for (const line of lines) {
    const dirty = notOneLine(line);
    if (dirty) return `log line ${dirty}`;
  }
  return undefined;
}
