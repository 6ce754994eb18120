import { readdirSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { WorldState } from "./cloud-control";
import type { LoopVolume } from "./loop-volume";

// udev on a Nitro instance: while EC2 has a volume attached to the instance, its NVMe by-id link
// exists there and points at the block device; after the detach it is gone. Here the block device
// is the volume's loop device and "there" is the by-id directory of the node whose instance id the
// attachment names, so a node can only ever find a volume EC2 gave it.

export interface LinkTarget {
  instanceId: string;
  /** Host path of that node's by-id directory. */
  byIdDir: string;
}

export class DeviceLinks {
  constructor(
    private readonly volumes: readonly LoopVolume[],
    private readonly nodes: readonly LinkTarget[],
  ) {}

  /** Makes every node's links match the attachments EC2 reports as attached. */
  follow(world: WorldState): void {
    for (const node of this.nodes) {
      for (const volume of this.volumes) {
        const attachment = world.volumes
          .find((v) => v.volumeId === volume.volumeId)
          ?.attachments.find((a) => a.instanceId === node.instanceId);
        // "attaching" has no device yet; "detaching" still has it, as on EC2.
        const present =
          attachment !== undefined && (attachment.state === "attached" || attachment.state === "detaching" || attachment.state === "busy");
        const link = join(node.byIdDir, volume.byIdName);
        const current = linkTarget(link);
        if (present && current !== volume.device) {
          rmSync(link, { force: true });
          symlinkSync(volume.device, link);
        } else if (!present && current !== undefined) {
          rmSync(link, { force: true });
        }
      }
    }
  }

  /** Which node directories hold a link for the volume now. */
  holders(volume: LoopVolume): string[] {
    return this.nodes.filter((n) => readdirSync(n.byIdDir).includes(volume.byIdName)).map((n) => n.instanceId);
  }
}

function linkTarget(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}
