import { childProcesses } from "../../platform/child-processes";
import { exitCodes } from "../../exit-codes";
import { arrivalVariable, forkStamp, formatStamp, type EventStamp } from "../../transition/event-stamp";

// keepalived SIGKILLs notify_stop (and every script at shutdown) about 1 s after starting it, but
// unmounting and detaching a volume takes longer. The release therefore runs in a child in its own
// session, out of reach of keepalived's process-group kill; it takes the node's transition lock
// itself. The parent waits and passes the child's exit code on, so Heartbeat and Pacemaker, which
// do wait for stop, still see the real result. The worker is forked later than the event arrived,
// so it carries the stamp of its parent's event: newest-event-wins compares events, not workers.

const workerEnv = "AWS_HA_DETACHED_WORKER";

export function isDetachedWorker(env: NodeJS.ProcessEnv): boolean {
  return env[workerEnv] === "1";
}

/** `arrival`: when the event arrived; by default when this process was forked for it. */
export function runDetached(argv: readonly string[], arrival: EventStamp = forkStamp()): Promise<number> {
  const script = process.argv[1]!;
  const child = childProcesses().spawn(process.execPath, [script, ...argv], {
    detached: true,
    stdio: ["ignore", "inherit", "pipe"],
    env: { ...process.env, [workerEnv]: "1", [arrivalVariable]: formatStamp(arrival) },
  });
  // The worker's log lines reach our stderr while we live; once keepalived kills us the worker
  // keeps logging to syslog.
  child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(chunk));
  child.stderr?.on("error", () => undefined);
  return new Promise((resolve) => {
    child.once("error", () => resolve(exitCodes.failed));
    child.once("exit", (code, signal) => resolve(code ?? (signal ? exitCodes.failed : exitCodes.ok)));
  });
}

/** Shields the worker from a parent that died mid-write. */
export function survivePipeLoss(): void {
  process.stderr.on("error", () => undefined);
  process.stdout.on("error", () => undefined);
}
