import { mkdir } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { AwsHaError } from "../errors";
import type { CommandResult } from "./host-port";
import { holdersOf, isRunning, type Holder } from "./mount-holders";
import { canonicalSource, mountOf } from "./mount-table";
import { checkMountPoint, type PathView } from "./mount-point-safety";
import { commandFailed, runChecked, type Exec } from "./run-command";

// Mounting and unmounting a volume's file system. Both are idempotent: mounting what is already
// mounted there, or unmounting what is not mounted, changes nothing. Both refuse a mount point that
// a user other than root could redirect (see mount-point-safety.ts), and unmounting touches only the
// named device's mount: another file system on that directory, and the processes using it, are
// someone else's.

const mountTimeoutMs = 60_000;
const umountTimeoutMs = 30_000;
/** Rounds of "kill the holders, unmount again" before giving up. */
const killRounds = 3;
/** How long holders get to exit after SIGTERM, and again after SIGKILL. */
const holderGraceMs = 2_000;

export interface MountPaths {
  mountInfo: string;
  proc: string;
  /** How mount points are looked at, and who must own the directories on the way (root). */
  view: PathView;
  ownerUid: number;
}

/** The normalised mount point, once nobody but root could redirect it; throws otherwise. */
export async function safeMountPoint(dir: string, paths: MountPaths): Promise<string> {
  const mounted = (await mountOf(dir, paths.mountInfo)) !== undefined;
  return checkMountPoint(dir, { view: paths.view, ownerUid: paths.ownerUid, mounted });
}

export async function mount(
  exec: Exec,
  device: string,
  dir: string,
  fsType: string,
  options: readonly string[],
  paths: MountPaths,
): Promise<void> {
  const current = await mountOf(dir, paths.mountInfo);
  if (current) {
    if (current.device === (await canonicalSource(device))) return;
    throw new AwsHaError("host", `${dir} already has ${current.device} mounted; refusing to mount ${device} over it`, {
      fix: `unmount ${current.device} from ${dir}, or choose another mountPoint`,
    });
  }
  const rules = { view: paths.view, ownerUid: paths.ownerUid, mounted: false };
  const target = await checkMountPoint(dir, rules);
  await mkdir(target, { recursive: true, mode: 0o755 });
  // Now the mount point itself exists, and it too must be root's alone.
  await checkMountPoint(target, rules);
  await runChecked(exec, ["mount", "-t", fsType, ...(options.length ? ["-o", options.join(",")] : []), device, target], mountTimeoutMs);
}

/** Unmounts device from dir: not mounted there is done; another file system there is refused, never touched. */
export async function unmount(exec: Exec, dir: string, device: string, killHolders: boolean, paths: MountPaths): Promise<void> {
  const ours = await canonicalSource(device);
  const current = await mountOf(dir, paths.mountInfo);
  if (!current) return;
  if (current.device !== ours) throw notOurs(dir, current.device, device);
  const target = await checkMountPoint(dir, { view: paths.view, ownerUid: paths.ownerUid, mounted: true });
  const argv = ["umount", target];
  for (let round = 0; ; round++) {
    const result = await exec(argv, umountTimeoutMs);
    if (result.exitCode === 0) return;
    const now = await mountOf(target, paths.mountInfo);
    if (!now) return; // someone else unmounted it meanwhile
    // Someone mounted something over it meanwhile: its processes are not ours to kill.
    if (now.device !== ours) throw notOurs(target, now.device, device);
    if (!isBusy(result)) throw commandFailed(argv, result);
    const holders = (await holdersOf(target, paths.proc)).filter((h) => h.pid !== process.pid);
    if (!killHolders) throw busy(target, holders, "stop them, declare them as a service resource, or set killHolders: true");
    if (holders.length === 0 || round >= killRounds)
      throw busy(target, holders, `find what keeps it busy (fuser -vm ${target}, lsof +f -- ${target}, mounts below it)`);
    await stopProcesses(holders, paths.proc);
  }
}

function notOurs(dir: string, mounted: string, device: string): AwsHaError {
  return new AwsHaError("host", `${dir} has ${mounted} mounted, not ${device}; left it alone`, {
    fix: `unmount ${mounted} from ${dir} by hand if it should not be there`,
  });
}

function isBusy(result: CommandResult): boolean {
  return /busy/i.test(result.stderr);
}

function busy(dir: string, holders: readonly Holder[], fix: string): AwsHaError {
  const who = holders.length
    ? `held by PIDs ${holders.map((h) => `${h.pid} (${h.command})`).join(", ")}`
    : "no process holds it (a mount below it, a loop device or an NFS export may)";
  return new AwsHaError("host", `${dir} is busy: ${who}`, { fix });
}

/** SIGTERM first so databases can close cleanly, then SIGKILL what is left. */
async function stopProcesses(holders: readonly Holder[], procDir: string): Promise<void> {
  let left = holders.map((h) => h.pid);
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    for (const pid of left) signalProcess(pid, signal);
    left = await waitForExit(left, procDir);
    if (left.length === 0) return;
  }
}

async function waitForExit(pids: readonly number[], procDir: string): Promise<number[]> {
  const until = Date.now() + holderGraceMs;
  let left = [...pids];
  while (left.length > 0 && Date.now() < until) {
    await sleep(50);
    left = (await Promise.all(left.map(async (pid) => ((await isRunning(pid, procDir)) ? pid : undefined)))).filter((p) => p !== undefined);
  }
  return left;
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // exited meanwhile
  }
}
