import { closeSync, constants, fstatSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

// The caches the commands keep between runs (V8's compiled code, validated descriptions) are read
// back into a process that runs as root on a cluster node: only files this user owns and nobody
// else can change are ever read, never through a symbolic link, and each is written whole.
//
// Kept free of the project's other modules: the code-cache bootstrap bundles it, and must stay small.

const uid = typeof process.getuid === "function" ? process.getuid() : -1;

/** Where this user's caches live: /var/cache/aws-ha for root, else the XDG cache (or AWS_HA_CODE_CACHE_DIR). */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env.AWS_HA_CODE_CACHE_DIR;
  if (chosen) return chosen;
  if (uid === 0) return "/var/cache/aws-ha";
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "aws-ha");
}

/** This user's, and none of `forbidden`'s permission bits (0o022: nobody else writes; 0o077: nobody else reads either). */
export function ownedAlone(stats: { uid: number; mode: number }, forbidden: number): boolean {
  return stats.uid === uid && (stats.mode & forbidden) === 0;
}

/** The file's content when it is a regular file `ownedAlone`, read without following a link; else undefined. */
export function readOwnedFile(file: string, forbidden: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    return stats.isFile() && ownedAlone(stats, forbidden) ? readFileSync(fd) : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` (mode 0600) beside `file` and renames it over, so a concurrent run reads the old
 * content or the new, never half of one. Throws what the write met, having removed its leftover.
 */
export function writeOwnedFile(file: string, data: string | Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (e) {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing was left behind
    }
    throw e;
  }
}
