import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

// A node's run directory (its transition lock and event tickets). A schedule that fills it gets a
// small tmpfs of its own, so "full" is the kernel's ENOSPC and not an imitation of it: filling
// takes the last data pages and the last inodes, freeing removes the filler. Mounting needs root;
// without it such a directory cannot be filled and the soak counts the step as not injected.

const fillerPrefix = ".soak-filler-";

export const canMountTmpfs = (): boolean => process.getuid?.() === 0;

export class RunDir {
  private full = false;

  private constructor(
    readonly path: string,
    private readonly mounted: boolean,
  ) {}

  /** A plain directory, or a 256 KiB tmpfs with 64 inodes when it may be filled. */
  static create(path: string, fillable: boolean): RunDir {
    mkdirSync(path, { recursive: true, mode: 0o755 });
    if (!fillable) return new RunDir(path, false);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k,nr_inodes=64,mode=0755", "tmpfs", path], { stdio: "ignore", timeout: 10_000 });
    return new RunDir(path, true);
  }

  get fillable(): boolean {
    return this.mounted;
  }

  get isFull(): boolean {
    return this.full;
  }

  /** Takes every free page and inode; false when this directory cannot be filled. */
  fill(): boolean {
    if (!this.mounted) return false;
    if (this.full) return true;
    const chunk = Buffer.alloc(4096, 0x5a);
    const fd = openSync(join(this.path, `${fillerPrefix}data`), "a");
    try {
      for (let i = 0; i < 1024; i++) writeSync(fd, chunk);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
    } finally {
      closeSync(fd);
    }
    for (let i = 0; i < 128; i++) {
      try {
        closeSync(openSync(join(this.path, `${fillerPrefix}${i}`), "wx"));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOSPC") break;
        if (code !== "EEXIST") throw e;
      }
    }
    this.full = true;
    return true;
  }

  free(): void {
    if (!this.full) return;
    for (const name of readdirSync(this.path)) if (name.startsWith(fillerPrefix)) rmSync(join(this.path, name), { force: true });
    this.full = false;
  }

  /** Unmounts (lazily if a handle is still open on it) and removes the directory. */
  remove(): void {
    if (this.mounted) {
      try {
        execFileSync("umount", [this.path], { stdio: "ignore", timeout: 10_000 });
      } catch {
        execFileSync("umount", ["-l", this.path], { stdio: "ignore", timeout: 10_000 });
      }
    }
    rmSync(this.path, { recursive: true, force: true });
  }
}
