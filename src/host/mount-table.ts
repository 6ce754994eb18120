import { readFile, realpath } from "node:fs/promises";
import type { Mounted } from "./host-port";
import { normalisedMountPoint } from "./mount-point-safety";

// The kernel's view of what is mounted where, for this process's mount namespace.

export const selfMountInfo = "/proc/self/mountinfo";

/**
 * Parses /proc/PID/mountinfo:
 * `36 35 98:0 /root /mnt/my\040data rw,noatime shared:1 - ext4 /dev/nvme1n1 rw,errors=remount-ro`.
 * The kernel writes space, tab, newline and backslash in paths as octal escapes.
 */
export function parseMountInfo(text: string): Mounted[] {
  const mounts: Mounted[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(" ");
    const separator = fields.indexOf("-", 6);
    if (separator < 0 || fields.length < separator + 3) continue;
    mounts.push({
      mountPoint: decodeOctalEscapes(fields[4]!),
      fsType: decodeOctalEscapes(fields[separator + 1]!),
      device: decodeOctalEscapes(fields[separator + 2]!),
    });
  }
  return mounts;
}

export function decodeOctalEscapes(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/**
 * What is mounted on mountPoint now; with mounts stacked there, the top one (the one paths reach).
 * The path is taken as written, links not followed: a mount point reached through a link is not
 * this mount point (and is refused before anything is mounted or unmounted there).
 */
export async function mountOf(mountPoint: string, mountInfoPath = selfMountInfo): Promise<Mounted | undefined> {
  const wanted = normalisedMountPoint(mountPoint);
  const top = parseMountInfo(await readFile(mountInfoPath, "utf8"))
    .filter((m) => m.mountPoint === wanted)
    .pop();
  return top && { ...top, device: await canonicalSource(top.device) };
}

/** Every mount point of this block device, however its name was written when it was mounted. */
export async function mountPointsOf(device: string, mountInfoPath = selfMountInfo): Promise<string[]> {
  const wanted = await canonicalSource(device);
  const table = parseMountInfo(await readFile(mountInfoPath, "utf8"));
  const sources = await Promise.all(table.map((m) => canonicalSource(m.device)));
  return table.filter((_, i) => sources[i] === wanted).map((m) => m.mountPoint);
}

/**
 * A mount's source with links resolved (`/dev/disk/by-id/nvme-…` and `/dev/nvme1n1` are one disk),
 * so that it compares with the volume's block device. Sources that are not paths (`tmpfs`, `proc`),
 * or no longer exist, stay as the kernel wrote them.
 */
export async function canonicalSource(source: string): Promise<string> {
  if (!source.startsWith("/")) return source;
  return realpath(source).catch(() => source);
}
