import { open, readFile, rename, unlink, mkdir, link } from "node:fs/promises";
import { join } from "node:path";
import type { Deadline } from "./deadline";

// One transition at a time per cluster on a node. A lock file created with O_EXCL holds the owner's
// PID; Node has no flock(2), and a PID lets a waiter take over from an owner that was SIGKILLed
// (keepalived kills notify_stop after ~1 s) instead of waiting for the deadline.

export class TransitionLock {
  private constructor(private readonly path: string) {}

  static async acquire(
    runDir: string,
    cluster: string,
    deadline: Deadline,
    isAlive: (pid: number) => boolean = pidAlive,
  ): Promise<TransitionLock> {
    await mkdir(runDir, { recursive: true, mode: 0o755 });
    const path = join(runDir, `${cluster}.lock`);
    let delay = 10;
    for (;;) {
      try {
        const handle = await open(path, "wx", 0o644);
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        return new TransitionLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const owner = await ownerOf(path);
      if (owner !== undefined && !isAlive(owner)) await takeOverStale(path, owner);
      else {
        deadline.check("waiting for another transition on this node to finish (lock " + path + ")");
        await new Promise((r) => setTimeout(r, Math.min(delay, deadline.remainingMs())));
        delay = Math.min(delay * 2, 100);
      }
    }
  }

  async release(): Promise<void> {
    await unlink(this.path).catch(() => undefined);
  }
}

async function ownerOf(path: string): Promise<number | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  const pid = Number.parseInt(text ?? "", 10);
  return Number.isFinite(pid) && pid > 0 ? pid : undefined;
}

/** Moves the stale file aside atomically, so two waiters cannot both delete a fresh owner's lock. */
async function takeOverStale(path: string, stalePid: number): Promise<void> {
  const aside = `${path}.stale.${process.pid}`;
  try {
    await rename(path, aside);
  } catch {
    return; // someone else moved it first
  }
  if ((await ownerOf(aside)) !== stalePid) {
    // A new owner created the lock between our read and the rename: give it back.
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
