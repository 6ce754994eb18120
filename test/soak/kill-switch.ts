import { closeSync, fstatSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

// SIGKILL for a transition that runs inside this process. Every port the transition was given
// (EC2, host, IMDS) goes through one KillSwitch: it counts the calls made after the lock was taken
// and, at the chosen one, kills: that call is never made, no call made afterwards is ever answered,
// and nothing in flight ever returns. The transition's code is left suspended at an await for good,
// which is what a killed process looks like from outside: its lock file and its event ticket stay
// behind, and its requests already on the wire still land.

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

export class KillSwitch {
  private calls = 0;
  private inFlight = 0;
  private dead = false;
  private drainedNow: (() => void) | undefined;
  /** Resolves once the kill happened and every request already sent has been answered (and dropped). */
  readonly drained: Promise<void>;

  constructor(
    /** Kill just before this call (1-based); undefined: never. */
    private readonly killAt: number | undefined,
    private readonly onKill: () => void,
    /** Told about every call before it goes out, with its arguments. */
    private readonly observe: (method: string, args: readonly unknown[]) => void = () => undefined,
  ) {
    this.drained = new Promise((resolve) => (this.drainedNow = resolve));
  }

  get killed(): boolean {
    return this.dead;
  }

  /** Kills now, whatever the transition is doing. */
  kill(): void {
    if (this.dead) return;
    this.dead = true;
    this.onKill();
    if (this.inFlight === 0) this.drainedNow?.();
  }

  /**
   * The same port with every method passing through the switch. `uncounted` methods are still frozen
   * by a kill but never trigger one (IMDS identity is read before the lock is taken).
   */
  wrap<T extends object>(target: T, uncounted: readonly string[] = []): T {
    return new Proxy(target, {
      get: (t, key, receiver) => {
        const value: unknown = Reflect.get(t, key, receiver);
        if (typeof value !== "function" || typeof key !== "string") return value;
        return (...args: unknown[]) =>
          this.call(key, !uncounted.includes(key), () => (value as (...a: unknown[]) => unknown).apply(t, args), args);
      },
    });
  }

  private async call(method: string, counted: boolean, invoke: () => unknown, args: readonly unknown[]): Promise<unknown> {
    if (this.dead) return never();
    if (counted) {
      this.calls += 1;
      if (this.calls === this.killAt) {
        this.kill();
        return never();
      }
    }
    this.observe(method, args);
    this.inFlight += 1;
    let outcome: { value: unknown } | { error: unknown };
    try {
      outcome = { value: await invoke() };
    } catch (error) {
      outcome = { error };
    } finally {
      this.inFlight -= 1;
      if (this.dead && this.inFlight === 0) this.drainedNow?.();
    }
    if (this.dead) return never();
    if ("error" in outcome) throw outcome.error;
    return outcome.value;
  }
}

/** Where a lock records this process as its owner: a lock file, or an entry of a lock directory. */
export interface OwnerRecord {
  path: string;
  /**
   * Kept open so that its inode cannot be handed to another file: a record of another holder with
   * the same name is then known by its other inode.
   */
  fd: number;
  /** The owner is in the entry's name (a lock directory), else in the file's content. */
  inName: boolean;
}

const ours = (): RegExp => new RegExp(`(?<![0-9])${process.pid}(?![0-9])`, "g");

/**
 * The lock records that name this process now. Read without knowing the lock's format: a lock is
 * whatever in the run directory has "lock" in its name and is not hidden (hidden names are other
 * transitions' temporaries on their way to becoming the lock), a file or a directory, and wherever
 * it records its owner, in its content or in the names of its entries, the PID is in decimal.
 */
export function ownerRecords(runDir: string): OwnerRecord[] {
  const found: OwnerRecord[] = [];
  const consider = (path: string, inName: boolean) => {
    try {
      if (!statSync(path).isFile()) return;
      if (inName || ours().test(readFileSync(path, "utf8"))) found.push({ path, fd: openSync(path, "r"), inName });
    } catch {
      // released meanwhile
    }
  };
  for (const name of entries(runDir).filter((n) => /lock/i.test(n) && !n.startsWith("."))) {
    const path = join(runDir, name);
    let isDirectory = false;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      continue;
    }
    if (!isDirectory) consider(path, false);
    else for (const entry of entries(path)) consider(join(path, entry), ours().test(entry));
  }
  return found;
}

/**
 * What the next process finds after a SIGKILL: the lock records the killed transition held (those
 * seen when it took the lock, recognised by their inodes) name `pid` instead: a PID nobody has any
 * more, or one an unrelated process was given since. Returns the records rewritten; a record that
 * is gone or is another file by now is left alone.
 */
export function handLocksTo(held: readonly OwnerRecord[], pid: number): string[] {
  const rewritten: string[] = [];
  for (const record of held) {
    try {
      if (record.fd < 0 || statSync(record.path).ino !== fstatSync(record.fd).ino) continue;
      if (record.inName) {
        const dir = dirname(record.path);
        renameSync(record.path, join(dir, basename(record.path).replace(ours(), String(pid))));
      } else writeFileSync(record.path, readFileSync(record.path, "utf8").replace(ours(), String(pid)));
      rewritten.push(record.path);
    } catch {
      // released meanwhile
    }
  }
  return rewritten;
}

/** Done with the records: the transition ended, or its kill was carried out. */
export function forget(held: readonly OwnerRecord[]): void {
  for (const record of held) {
    if (record.fd >= 0) closeSync(record.fd);
    record.fd = -1;
  }
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
