import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { join } from "node:path";

// The built CLIs run as child processes, the way Heartbeat and Pacemaker run them. Never spawnSync:
// the stand-ins answer from this process's event loop, which a synchronous child would block.

export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

export function builtCli(name: "aws-ha-updateeip" | "aws-ha-notify"): string {
  const path = join(repoRoot, "bin", name);
  if (!existsSync(path)) throw new Error(`${path} is not built: run npm run build`);
  return path;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `argv` with exactly `env` (nothing inherited), `stdin` as its input if given, killing it after `timeoutMs`. */
export function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000, stdin?: string): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    if (stdin !== undefined) child.stdin!.end(stdin);
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (t: string) => (stdout += t));
    child.stderr!.setEncoding("utf8").on("data", (t: string) => (stderr += t));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Math.round(performance.now() - started) });
    });
  });
}
