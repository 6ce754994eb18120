import { readlinkSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { byIdLinkName } from "../../../src/host/block-device";
import type { Ec2World } from "../../support/ec2-standin/world";

// udev on a Nitro instance: while EC2 has the volume attached to the instance, the volume's NVMe
// by-id link exists there and points at the block device; once detached it is gone. Here "there" is
// the by-id directory of the simulated node whose instance the stand-in names, so a node only ever
// finds a disk that EC2 gave it. The links follow the stand-in's own events, at once.

export interface LinkedNode {
  instanceId: string;
  byIdDir: string;
}

export class ByIdLinks {
  private readonly sync = () => this.follow();
  private readonly poll: NodeJS.Timeout;

  constructor(
    private readonly world: Ec2World,
    private readonly volumeId: string,
    private readonly device: string,
    private readonly nodes: readonly LinkedNode[],
  ) {
    this.follow();
    world.events.on("attached", this.sync);
    world.events.on("detached", this.sync);
    world.events.on("instance-state", this.sync);
    // A safety net for state changes that emit no event (a detach that has begun).
    this.poll = setInterval(this.sync, 100);
  }

  stop(): void {
    clearInterval(this.poll);
    this.world.events.off("attached", this.sync);
    this.world.events.off("detached", this.sync);
    this.world.events.off("instance-state", this.sync);
  }

  private follow(): void {
    const volume = this.world.volumes.get(this.volumeId);
    for (const node of this.nodes) {
      const attachment = volume?.attachments.find((a) => a.instanceId === node.instanceId);
      // "attaching" has no device yet; while detaching (or busy) the device is still there, as on EC2.
      const present = attachment !== undefined && attachment.state !== "attaching" && attachment.state !== "detached";
      const link = join(node.byIdDir, byIdLinkName(this.volumeId));
      const current = targetOf(link);
      if (present && current !== this.device) {
        rmSync(link, { force: true });
        symlinkSync(this.device, link);
      } else if (!present && current !== undefined) rmSync(link, { force: true });
    }
  }
}

function targetOf(link: string): string | undefined {
  try {
    return readlinkSync(link);
  } catch {
    return undefined;
  }
}
