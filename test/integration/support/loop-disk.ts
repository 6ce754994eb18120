import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseMountInfo } from "../../../src/host/mount-table";

// The EBS disk of a scenario: a sparse image behind a loop device with an ext4 file system. Both
// simulated nodes run on this one machine, so the device exists all along; a node sees it only
// through the by-id link it gets while the EC2 stand-in has the volume attached to its instance.

const command = (argv: string[], timeoutMs = 30_000): string =>
  execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] });

export const asRoot = process.getuid?.() === 0;

export class LoopDisk {
  private constructor(readonly device: string) {}

  static create(dir: string, volumeId: string, sizeMiB = 32): LoopDisk {
    const image = join(dir, `${volumeId}.img`);
    command(["truncate", "-s", `${sizeMiB}M`, image]);
    const disk = new LoopDisk(command(["losetup", "--find", "--show", image]).trim());
    try {
      command(["mkfs.ext4", "-q", "-F", disk.device], 60_000);
    } catch (e) {
      disk.remove();
      throw e;
    }
    return disk;
  }

  /** Where this machine has the disk mounted now (both nodes share the machine's mount table). */
  mountPoints(): string[] {
    return parseMountInfo(readFileSync("/proc/self/mountinfo", "utf8"))
      .filter((m) => m.device === this.device)
      .map((m) => m.mountPoint);
  }

  /** Unmounts it wherever it is mounted, then detaches exactly this loop device. */
  remove(): void {
    for (const mountPoint of this.mountPoints().reverse()) {
      try {
        command(["umount", mountPoint]);
      } catch {
        command(["umount", "-l", mountPoint]);
      }
    }
    command(["losetup", "-d", this.device]);
  }
}

/** Xen-style names the product falls back to; a machine that has them could mount the wrong disk. */
export function deviceNameTaken(device: string): boolean {
  const name = device.replace(/^\/dev\//, "");
  const other = name.startsWith("sd") ? `xvd${name.slice(2)}` : `sd${name.slice(3)}`;
  return existsSync(device) || existsSync(`/dev/${other}`);
}
