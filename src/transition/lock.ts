import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AwsHaError } from "../errors";
import type { Logger } from "../log";
import type { Deadline } from "../time/deadline";
import { lstatIfThere, namesIn, rmdirIfEmpty, unlinkIfThere } from "../host/maybe-gone";
import { bootId, isRunning, thisProcess, type ProcessIdentity } from "./process-start";

// One transition at a time per cluster on a node. Node has no flock(2), so the lock is a directory,
// RUNDIR/CLUSTER.lock, holding one entry named after its owner: PID-STARTTICKS-BOOT. That gives:
//
// - no lock without an owner: the directory is filled under a temporary name and renamed into
//   place, and rename(2) of a directory succeeds only onto nothing or an empty directory;
// - an owner that is recognised even after its PID was reused (keepalived SIGKILLs notify_stop
//   after ~1 s; a node may run for months): the start time tells the processes apart, and the
//   boot id an owner of an earlier boot (when paths.runDir survives reboots);
// - take-overs that can never remove a live owner's lock: a waiter removes the entry of the exact
//   owner it found dead (unlink by name), and rmdir(2) removes only an empty directory. A file or
//   symlink at the lock's path (a lock of an earlier aws-ha, or what a full /run left behind) is not
//   a lock: unlink(2) removes it and can never remove a directory.
//
// Each step is a synchronous call of a few microseconds on /run: only waiting for a live owner
// yields, and a cold failover does not pay for trips through the thread pool.

export interface LockOptions {
  /** Whether an owner is alive; the kernel's process table by default. */
  isRunning?: (owner: ProcessIdentity) => boolean;
  log?: Logger;
}

/**
 * Transitions of this process that hold a lock or are creating one, per lock path: a lock that names
 * this process is stale only when none do. Counted before the lock is created and until after it is
 * removed, so no gap between rename(2) and the bookkeeping lets a third waiter of this process take
 * a live lock for a dead one.
 */
const claimsHere = new Map<string, number>();
const claim = (path: string, delta: 1 | -1) => {
  const n = (claimsHere.get(path) ?? 0) + delta;
  if (n > 0) claimsHere.set(path, n);
  else claimsHere.delete(path);
};

export class TransitionLock {
  private constructor(
    private readonly path: string,
    private readonly entry: string,
  ) {}

  static async acquire(runDir: string, cluster: string, deadline: Deadline, options: LockOptions = {}): Promise<TransitionLock> {
    const alive = options.isRunning ?? isRunning;
    const path = join(runDir, `${cluster}.lock`);
    const self = thisProcess();
    const entry = ownerName({ ...self, boot: thisBoot() });
    const isOwnerAlive = (owner: Owner) =>
      owner.boot === thisBoot() && (owner.pid === self.pid && owner.start === self.start ? claimsHere.has(path) : alive(owner));
    const waitingFor = `waiting for another transition on this node to finish (lock ${path})`;
    let delay = 10;
    let fruitless = 0;
    let warned = "";
    for (;;) {
      claim(path, 1);
      let created = false;
      try {
        created = create(runDir, path, entry);
      } finally {
        if (!created) claim(path, -1);
      }
      if (created) {
        sweepUnfinished(runDir, (owner) => owner.boot === thisBoot() && alive(owner));
        return new TransitionLock(path, entry);
      }
      const found = inspect(path);
      const live = found.kind === "owned" && found.owners.some(isOwnerAlive);
      if (!live && (found.kind === "not a lock" || (found.kind === "owned" && (found.owners.length > 0 || found.strays.length > 0)))) {
        const reason = staleReason(found);
        if (reason !== warned) options.log?.warn(`took over the transition lock ${path}: ${reason}`);
        warned = reason;
        removeStale(path, found);
      }
      // Otherwise it is gone, or empty (its owner is between its two release steps): try again at
      // once. A live owner, or a stale lock that will not go away, is waited for up to the deadline.
      deadline.check(waitingFor);
      if (live || ++fruitless > 3) {
        await new Promise((r) => setTimeout(r, Math.min(delay, deadline.remainingMs())));
        delay = Math.min(delay * 2, 100);
      }
    }
  }

  async release(): Promise<void> {
    unlinkIfThere(join(this.path, this.entry));
    // A waiter may have renamed its own lock onto the emptied directory already: then rmdir fails.
    rmdirIfEmpty(this.path);
    // Only now: until the entry is gone, waiters of this same process must see a live owner.
    claim(this.path, -1);
  }
}

/**
 * Whether a live transition holds the node's lock now, for a look that must not run beside one.
 * A lock whose owner is gone, one that names no owner, or a file at its path holds nothing: the next
 * transition takes it over.
 */
export async function lockIsHeld(runDir: string, cluster: string, options: Pick<LockOptions, "isRunning"> = {}): Promise<boolean> {
  const alive = options.isRunning ?? isRunning;
  const path = join(runDir, `${cluster}.lock`);
  const self = thisProcess();
  const found = inspect(path);
  if (found.kind !== "owned") return false;
  return found.owners.some(
    (owner) => owner.boot === thisBoot() && (owner.pid === self.pid && owner.start === self.start ? claimsHere.has(path) : alive(owner)),
  );
}

type Found =
  | { kind: "absent" }
  /** Something other than a directory: a file (empty, garbage, a PID), a symlink, … */
  | { kind: "not a lock"; what: string }
  | { kind: "owned"; owners: Owner[]; strays: string[] };

interface Owner extends ProcessIdentity {
  boot: string;
}

/** Fills a directory under a temporary name and renames it into place: true if the lock is ours. */
function create(runDir: string, path: string, entry: string): boolean {
  const temporary = join(runDir, `.${entry}.${randomBytes(4).toString("hex")}.lock`);
  try {
    mkdirSync(temporary, { mode: 0o700 });
    writeFileSync(join(temporary, entry), "", { mode: 0o600 });
    renameSync(temporary, path);
    return true;
  } catch (e) {
    // Not renamed into place: what was made of it goes.
    removeTree(temporary);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOTDIR" || code === "EISDIR") return false;
    throw new AwsHaError("host", `cannot create the transition lock ${path}: ${(e as Error).message}`, {
      fix: code === "ENOSPC" ? `free space where ${runDir} lives (df ${runDir})` : `check ${runDir}`,
    });
  }
}

function inspect(path: string): Found {
  const found = lstatIfThere(path);
  if (!found) return { kind: "absent" };
  if (!found.isDirectory())
    return {
      kind: "not a lock",
      what: found.isSymbolicLink() ? "a symlink" : found.isFile() ? `a file of ${found.size} bytes` : "not a directory",
    };
  const names = namesOrAbsent(path);
  if (!names) return { kind: "absent" };
  const owners = names.flatMap((n) => ownerOf(n) ?? []);
  return { kind: "owned", owners, strays: names.filter((n) => !ownerOf(n)) };
}

function removeStale(path: string, found: Found): void {
  if (found.kind === "not a lock") {
    unlinkIfThere(path);
    return;
  }
  if (found.kind !== "owned") return;
  // Only names that were found: a new owner can move in only once the directory is empty, and its
  // entry is then not among them.
  for (const owner of found.owners) unlinkIfThere(join(path, ownerName(owner)));
  for (const stray of found.strays) removeTree(join(path, stray));
  rmdirIfEmpty(path);
}

/** Temporary directories of processes that died between mkdir and rename. */
function sweepUnfinished(runDir: string, alive: (owner: Owner) => boolean): void {
  const names = namesIn(runDir);
  for (const name of names) {
    const m = /^\.([^.]+)\.[0-9a-f]+\.lock$/.exec(name);
    const owner = m ? ownerOf(m[1]!) : undefined;
    if (owner && owner.pid !== process.pid && !alive(owner)) removeTree(join(runDir, name));
  }
}

/** The names in a lock directory; undefined when it went (or cannot be read) meanwhile. */
function namesOrAbsent(path: string): string[] | undefined {
  try {
    return readdirSync(path);
  } catch {
    return undefined;
  }
}

/** A temporary lock or a stray in one, whatever it holds; nothing when it is gone already. */
function removeTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // left for the next sweep
  }
}

/** The first 8 hex digits of the boot id: enough to tell this boot's owners from an earlier one's. */
function thisBoot(): string {
  return bootId().replace(/-/g, "").slice(0, 8);
}

function ownerName(owner: Owner): string {
  return `${owner.pid}-${owner.start}-${owner.boot}`;
}

function ownerOf(name: string): Owner | undefined {
  const m = /^(\d{1,10})-(\d{1,15})-([0-9a-f]{8})$/.exec(name);
  if (!m) return undefined;
  const owner = { pid: Number(m[1]), start: Number(m[2]), boot: m[3]! };
  return owner.pid > 0 ? owner : undefined;
}

function staleReason(found: Found): string {
  if (found.kind === "not a lock") return `it was ${found.what}, not a lock of this version`;
  if (found.kind !== "owned") return "it was gone";
  if (found.owners.length === 0) return "it named no owner";
  return `its owner (${found.owners.map((o) => `PID ${o.pid}`).join(", ")}) is gone; a live process with that PID is another one`;
}
