import { join } from "node:path";
import { runOk, runSync } from "./commands";
import type { Teardown } from "./teardown";

// An EBS volume of the lab: a sparse image behind a loop device with an ext4 file system on it.
// The loop device exists on the host the whole run; a node sees it only through the by-id link
// the lab gives it while the EC2 stand-in has the volume attached to that node.

export class LoopVolume {
  private constructor(
    readonly volumeId: string,
    readonly image: string,
    readonly device: string,
  ) {}

  static async create(volumeId: string, dir: string, teardown: Teardown, sizeMiB = 32): Promise<LoopVolume> {
    const image = join(dir, `${volumeId}.img`);
    await runOk(["truncate", "-s", `${sizeMiB}M`, image]);
    const device = (await runOk(["losetup", "--find", "--show", image])).trim();
    // Detach exactly the device this run attached, never by image search or "all".
    teardown.add(`loop device ${device} (${volumeId})`, () => {
      runSync(["losetup", "-d", device]);
    });
    await runOk(["mkfs.ext4", "-q", "-F", "-L", volumeId.replace("-", "").slice(0, 16), device], { timeoutMs: 60_000 });
    return new LoopVolume(volumeId, image, device);
  }

  /** The name udev gives a Nitro EBS volume: the serial is the volume id without its dash. */
  get byIdName(): string {
    return `nvme-Amazon_Elastic_Block_Store_${this.volumeId.replace("-", "")}`;
  }
}
