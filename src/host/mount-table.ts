import { readFile, realpath } from "node:fs/promises";
import { resolve } from "node:path";
import type { Mounted } from "./host-port";

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

/** What is mounted on mountPoint now; with mounts stacked there, the top one (the one paths reach). */
export async function mountOf(mountPoint: string, mountInfoPath = selfMountInfo): Promise<Mounted | undefined> {
  const table = parseMountInfo(await readFile(mountInfoPath, "utf8"));
  const wanted = await canonical(mountPoint);
  return table.filter((m) => m.mountPoint === wanted).pop();
}

/** The kernel lists mount points with links resolved and without a trailing slash. */
export async function canonical(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}
