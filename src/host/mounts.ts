import { mkdir, realpath } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { AwsHaError } from "../errors";
import type { CommandResult } from "./host-port";
import { holdersOf, isRunning, type Holder } from "./mount-holders";
import { canonical, mountOf } from "./mount-table";
import { commandFailed, runChecked, type Exec } from "./run-command";

// Mounting and unmounting a volume's file system. Both are idempotent: mounting what is already
// mounted there, or unmounting what is not mounted, changes nothing.

const mountTimeoutMs = 60_000;
const umountTimeoutMs = 30_000;
/** Rounds of "kill the holders, unmount again" before giving up. */
const killRounds = 3;
/** How long holders get to exit after SIGTERM, and again after SIGKILL. */
const holderGraceMs = 2_000;

export interface MountPaths {
  mountInfo: string;
  proc: string;
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
    if ((await canonical(current.device)) === (await canonical(device))) return;
    throw new AwsHaError("host", `${dir} already has ${current.device} mounted; refusing to mount ${device} over it`, {
      fix: `unmount ${current.device} from ${dir}, or choose another mountPoint`,
    });
  }
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await runChecked(exec, ["mount", "-t", fsType, ...(options.length ? ["-o", options.join(",")] : []), device, dir], mountTimeoutMs);
}

export async function unmount(exec: Exec, dir: string, killHolders: boolean, paths: MountPaths): Promise<void> {
  if (!(await mountOf(dir, paths.mountInfo))) return;
  const target = await realpath(dir);
  const argv = ["umount", target];
  for (let round = 0; ; round++) {
    const result = await exec(argv, umountTimeoutMs);
    if (result.exitCode === 0) return;
    if (!(await mountOf(target, paths.mountInfo))) return; // someone else unmounted it meanwhile
    if (!isBusy(result)) throw commandFailed(argv, result);
    const holders = (await holdersOf(target, paths.proc)).filter((h) => h.pid !== process.pid);
    if (!killHolders) throw busy(target, holders, "stop them, declare them as a service resource, or set killHolders: true");
    if (holders.length === 0 || round >= killRounds)
      throw busy(target, holders, `find what keeps it busy (fuser -vm ${target}, lsof +f -- ${target}, mounts below it)`);
    await stopProcesses(holders, paths.proc);
  }
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
