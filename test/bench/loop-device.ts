import { spawnSync } from "node:child_process";
import { join } from "node:path";

// A small ext4 file system behind a loop device: the block device the volume figure mounts.
// Root only; the bench detaches exactly the device it attached.

export class LoopDevice {
  private constructor(
    readonly device: string,
    private readonly image: string,
  ) {}

  /** undefined, with the reason, when this machine or user cannot make one. */
  static create(dir: string): LoopDevice | string {
    if (process.getuid?.() !== 0) return "needs root (a loop device and mount)";
    const image = join(dir, "volume.img");
    const truncate = command(["truncate", "-s", "32M", image]);
    if (truncate) return truncate;
    const attach = spawnSync("losetup", ["--find", "--show", image], { encoding: "utf8", timeout: 15_000 });
    if (attach.status !== 0) return `losetup failed: ${attach.stderr.trim()}`;
    const loop = new LoopDevice(attach.stdout.trim(), image);
    const mkfs = command(["mkfs.ext4", "-q", "-F", loop.device], 60_000);
    if (mkfs) {
      loop.destroy();
      return mkfs;
    }
    return loop;
  }

  destroy(): void {
    command(["losetup", "-d", this.device]);
  }
}

/** Runs a command; the problem in words, or undefined when it succeeded. */
export function command(argv: readonly string[], timeoutMs = 15_000): string | undefined {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: timeoutMs });
  if (r.status === 0) return undefined;
  return `${argv.join(" ")} failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`;
}
