import { execFile, spawnSync } from "node:child_process";

// The lab drives ip, losetup, mount and nsenter as commands. Each call has a timeout, so a wedged
// tool fails the scenario instead of stalling it.

export interface CommandOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  timeoutMs?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
}

export function run(argv: readonly string[], options: CommandOptions = {}): Promise<CommandOutcome> {
  const [file, ...args] = argv;
  return new Promise((resolve) => {
    const child = execFile(
      file!,
      args,
      { timeout: options.timeoutMs ?? 15_000, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024, env: options.env ?? process.env },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({
          code,
          stdout: String(stdout),
          stderr: String(stderr) + (error && typeof error.code !== "number" ? ` ${error.message}` : ""),
        });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs a command that must succeed; the error quotes the command and its stderr. */
export async function runOk(argv: readonly string[], options: CommandOptions = {}): Promise<string> {
  const outcome = await run(argv, options);
  if (outcome.code !== 0) throw new Error(`${argv.join(" ")} exited ${outcome.code}: ${outcome.stderr.trim() || outcome.stdout.trim()}`);
  return outcome.stdout;
}

/** Synchronous, for teardown from process.on("exit") where nothing asynchronous runs any more. */
export function runSync(argv: readonly string[], timeoutMs = 10_000): CommandOutcome {
  const [file, ...args] = argv;
  const r = spawnSync(file!, args, { timeout: timeoutMs, killSignal: "SIGKILL", encoding: "utf8" });
  return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? ` ${r.error.message}` : "") };
}
