import { closeSync, constants, fstatSync, openSync, statSync, type Stats } from "node:fs";
import { Socket } from "node:net";
import { parseFifoLine } from "./keepalived-words";
import { stampNow } from "../../transition/event-stamp";
import type { ArrivedTransition } from "../../transition/runner";
import type { Logger } from "../../log";
import { AwsHaError } from "../../errors";

// keepalived's notify FIFO delivers events in order, unlike notify scripts. keepalived sends
// SIGTERM *before* it writes the STOP lines at shutdown, so the reader keeps reading until EOF.
// Between two transitions it drains what queued up meanwhile and acts only on the newest event.
// Each line is stamped when read, on the clock of the one-shot notify processes' stamps, so that
// its ticket compares correctly with theirs.

export interface FifoHandlers {
  /** Runs one transition to the end. */
  run(transition: ArrivedTransition): Promise<void>;
  /** Starts a transition in a detached process and returns at once (used after SIGTERM). */
  handOff(transition: ArrivedTransition): Promise<void>;
  /** Work between events (keeping the EC2 connection open, drift repair); never while an event waits. */
  idle?: IdleWork;
}

export interface IdleWork {
  /** How long the reader may wait for a line before `tick` is due. */
  dueInMs(): number;
  /** `overtaken` turns true once a line waits or keepalived is stopping: the work then gives way. */
  tick(overtaken: () => boolean): Promise<void>;
}

export async function readNotifyFifo(fifoPath: string, handlers: FifoHandlers, log: Logger): Promise<void> {
  let shuttingDown = false;
  process.on("SIGTERM", () => {
    shuttingDown = true;
    log.info("keepalived is stopping: reading the FIFO to its end");
  });
  // O_NONBLOCK lets libuv treat the FIFO as a pipe; keepalived holds it open O_RDWR.
  const fd = openNotifyFifo(fifoPath);
  const socket = new Socket({ fd, readable: true, writable: false });
  const queue: ArrivedTransition[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let partial = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const t = parseFifoLine(line);
        if (t) queue.push({ ...t, arrival: stampNow() });
        else log.debug("FIFO line changes nothing", { line });
      } catch (e) {
        log.warn("ignored an unreadable FIFO line", { line, error: (e as Error).message });
      }
    }
    wake?.();
  });
  const finish = () => {
    ended = true;
    wake?.();
  };
  socket.on("end", finish);
  socket.on("close", finish);
  socket.on("error", (e) => {
    log.warn("FIFO read failed", { error: e.message });
    finish();
  });

  for (;;) {
    if (queue.length === 0) {
      if (ended) break;
      const idle = shuttingDown ? undefined : handlers.idle;
      const due = await new Promise<boolean>((r) => {
        const timer = idle && setTimeout(() => r(true), idle.dueInMs());
        wake = () => {
          if (timer) clearTimeout(timer);
          r(false);
        };
      });
      wake = undefined;
      if (due && queue.length === 0 && !ended) await idle!.tick(() => queue.length > 0 || shuttingDown);
      continue;
    }
    const waiting = queue.splice(0, queue.length);
    const newest = waiting.pop()!;
    for (const t of waiting)
      log.info("skipped: a newer event arrived while this one waited", {
        event: t.cause,
        ...(t.instance ? { instance: t.instance } : {}),
        supersededBy: `${newest.cause} (${newest.direction})`,
      });
    // After SIGTERM keepalived kills us within about a second: nothing may run in-process anymore.
    // A STOP line means the same even when it is read before the signal is: keepalived sends both.
    if (shuttingDown || /^(stop|deleted)$/i.test(newest.cause)) await handlers.handOff(newest);
    else await handlers.run(newest);
  }
  socket.destroy();
}

const notFifoFix = "keepalived makes the FIFO named by vrrp_notify_fifo and passes its path last to vrrp_notify_fifo_script";

/**
 * Opens keepalived's FIFO for reading. A path that is missing or is something else (a file a typo
 * created, a directory) is a wrong argument: one line saying what is there, exit 2.
 */
function openNotifyFifo(fifoPath: string): number {
  let stats: Stats;
  try {
    stats = statSync(fifoPath);
  } catch (e) {
    throw fifoError(fifoPath, e);
  }
  if (!stats.isFIFO()) throw new AwsHaError("usage", `${fifoPath} is ${kindOf(stats)}, not a FIFO`, { fix: notFifoFix });
  // O_NONBLOCK: opening a FIFO with no writer would otherwise wait for one.
  let fd: number;
  try {
    fd = openSync(fifoPath, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw fifoError(fifoPath, e);
  }
  const opened = fstatSync(fd);
  if (!opened.isFIFO()) {
    // Replaced between the look and the open.
    closeSync(fd);
    throw new AwsHaError("usage", `${fifoPath} is ${kindOf(opened)}, not a FIFO`, { fix: notFifoFix });
  }
  return fd;
}

function fifoError(fifoPath: string, e: unknown): AwsHaError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new AwsHaError("usage", `there is no FIFO at ${fifoPath}`, { fix: notFifoFix });
  if (code === "ENOTDIR")
    return new AwsHaError("usage", `there is no FIFO at ${fifoPath}: a part of the path is not a directory`, { fix: notFifoFix });
  return new AwsHaError("usage", `cannot open the FIFO ${fifoPath} (${code ?? (e as Error).message})`, {
    fix: "run aws-ha-notify fifo as the user keepalived runs its scripts as (script_user), which may read the FIFO",
  });
}

function kindOf(stats: Stats): string {
  if (stats.isFile()) return "a regular file";
  if (stats.isDirectory()) return "a directory";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  return "something else";
}
