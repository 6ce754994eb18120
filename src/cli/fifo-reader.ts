import { constants, openSync } from "node:fs";
import { Socket } from "node:net";
import { parseFifoLine, type Transition } from "../transition/transition";
import type { Logger } from "../log";

// keepalived's notify FIFO delivers events in order, unlike notify scripts. keepalived sends
// SIGTERM *before* it writes the STOP lines at shutdown, so the reader keeps reading until EOF.
// Between two transitions it drains what queued up meanwhile and acts only on the newest event.

export interface FifoHandlers {
  /** Runs one transition to the end. */
  run(transition: Transition): Promise<void>;
  /** Starts a transition in a detached process and returns at once (used after SIGTERM). */
  handOff(transition: Transition): Promise<void>;
}

export async function readNotifyFifo(fifoPath: string, handlers: FifoHandlers, log: Logger): Promise<void> {
  let shuttingDown = false;
  process.on("SIGTERM", () => {
    shuttingDown = true;
    log.info("keepalived is stopping: reading the FIFO to its end");
  });
  // O_NONBLOCK lets libuv treat the FIFO as a pipe; keepalived holds it open O_RDWR.
  const fd = openSync(fifoPath, constants.O_RDONLY | constants.O_NONBLOCK);
  const socket = new Socket({ fd, readable: true, writable: false });
  const queue: Transition[] = [];
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
        if (t) queue.push(t);
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
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
      continue;
    }
    const waiting = queue.splice(0, queue.length);
    const newest = waiting.pop()!;
    for (const t of waiting)
      log.info("skipped: a newer event arrived while this one waited", { event: t.cause, ...(t.instance ? { instance: t.instance } : {}) });
    // After SIGTERM keepalived kills us within about a second: nothing may run in-process anymore.
    // A STOP line means the same even when it is read before the signal is: keepalived sends both.
    if (shuttingDown || /^(stop|deleted)$/i.test(newest.cause)) await handlers.handOff(newest);
    else await handlers.run(newest);
  }
  socket.destroy();
}
