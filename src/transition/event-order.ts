import { mkdir, open, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";

// keepalived forks one notify process per event and never waits, so a MASTER and a BACKUP can race
// for the lock. Each event leaves a ticket stamped at arrival; once it holds the lock, an event that
// finds a newer ticket has been superseded and is skipped: the newest event wins.

export class EventTicket {
  private constructor(
    private readonly dir: string,
    readonly stamp: string,
  ) {}

  /** Stamps the event at arrival, before waiting for the lock. */
  static async issue(runDir: string, cluster: string, now: () => bigint = wallClockNs): Promise<EventTicket> {
    // Read the clock before anything else can yield: arrival order is the order that counts.
    const arrival = now().toString().padStart(20, "0");
    const dir = join(runDir, `${cluster}.events`);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    for (let attempt = 0; attempt < 5; attempt++) {
      // Fixed-width decimal so that names sort in time order; the PID and attempt break ties.
      const stamp = `${arrival}-${String(process.pid).padStart(8, "0")}-${attempt}`;
      try {
        await (await open(join(dir, stamp), "wx")).close();
        return new EventTicket(dir, stamp);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    }
    throw new Error("could not stamp the event");
  }

  /** A newer event arrived while this one waited. */
  async superseded(): Promise<boolean> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.some((n) => n > this.stamp);
  }

  /**
   * Done: removes every older ticket but keeps this one, so an older event still waiting for the
   * lock will find it and know it was superseded.
   */
  async retire(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n < this.stamp).map((n) => unlink(join(this.dir, n)).catch(() => undefined)));
  }

  /** Skipped: only this ticket goes. */
  async withdraw(): Promise<void> {
    await unlink(join(this.dir, this.stamp)).catch(() => undefined);
  }
}

function wallClockNs(): bigint {
  // performance.timeOrigin + now() is monotonic within a process and microsecond-precise across processes.
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}
