import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";

// Which processes keep a file system busy. They are matched by the file system's device number,
// not by path: a process in another mount namespace can show the same path for a different mount,
// and must not be blamed (or killed) for ours.

const scanBatch = 32;

export interface Holder {
  pid: number;
  /** The process name from /proc/PID/comm. */
  command: string;
}

/** Processes whose cwd, root, executable, open files or mapped files live on the file system mounted at mountPoint. */
export async function holdersOf(mountPoint: string, procDir = "/proc"): Promise<Holder[]> {
  const device = (await stat(mountPoint, { bigint: true })).dev;
  const pids = (await readdir(procDir)).filter((name) => /^\d+$/.test(name)).map(Number);
  const holders: Holder[] = [];
  // A busy server has thousands of open files; look at several processes at once.
  for (let i = 0; i < pids.length; i += scanBatch) {
    await Promise.all(
      pids.slice(i, i + scanBatch).map(async (pid) => {
        if (await holds(join(procDir, String(pid)), device)) holders.push({ pid, command: await commandOf(procDir, pid) });
      }),
    );
  }
  return holders.sort((a, b) => a.pid - b.pid);
}

async function holds(processDir: string, device: bigint): Promise<boolean> {
  const fds = await readdir(join(processDir, "fd")).catch(() => [] as string[]);
  const links = ["cwd", "root", "exe", ...fds.map((fd) => join("fd", fd))];
  for (const link of links) {
    // stat follows the /proc magic link to the object itself, wherever its mount namespace puts it.
    const target = await stat(join(processDir, link), { bigint: true }).catch(() => undefined);
    if (target?.dev === device) return true;
  }
  return mapsDevice(await readFile(join(processDir, "maps"), "utf8").catch(() => ""), device);
}

/** A line of /proc/PID/maps: `7f1c…-7f1c… r-xp 00000000 07:03 1234 /srv/data/lib.so`; the fourth field is major:minor in hex. */
function mapsDevice(maps: string, device: bigint): boolean {
  for (const line of maps.split("\n")) {
    const field = line.split(/\s+/)[3];
    const match = field && /^([0-9a-f]+):([0-9a-f]+)$/.exec(field);
    if (match && makedev(BigInt(`0x${match[1]}`), BigInt(`0x${match[2]}`)) === device) return true;
  }
  return false;
}

/** glibc's encoding of a device number, which is what stat reports. */
export function makedev(major: bigint, minor: bigint): bigint {
  return ((major & 0xfffn) << 8n) | ((major & ~0xfffn) << 32n) | (minor & 0xffn) | ((minor & ~0xffn) << 12n);
}

async function commandOf(procDir: string, pid: number): Promise<string> {
  return (await readFile(join(procDir, String(pid), "comm"), "utf8").catch(() => "?")).trim();
}

/** Alive and not a zombie (a zombie has already let go of its files). */
export async function isRunning(pid: number, procDir = "/proc"): Promise<boolean> {
  const stat = await readFile(join(procDir, String(pid), "stat"), "utf8").catch(() => undefined);
  if (stat === undefined) return false;
  // The state follows the command in parentheses, which may itself contain ") ".
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}
