import type { Ec2World, Volume, VolumeAttachment } from "./world";

// How an EBS attachment moves through its states over time. EC2 answers AttachVolume and
// DetachVolume at once with `attaching`/`detaching`; the change completes later. A detach without
// Force waits for the instance's OS to let go of the device: while the OS still uses it (a mounted
// file system, a hung peer) and the instance runs, it never completes and EC2 reports `busy`.

/** Whether the instance's OS is up and could still be holding a device. */
export function osRunning(world: Ec2World, instanceId: string): boolean {
  const state = world.instances.get(instanceId)?.state;
  return state === "running" || state === "pending" || state === "stopping";
}

export function beginAttach(world: Ec2World, volume: Volume, instanceId: string, device: string): VolumeAttachment {
  const attachment: VolumeAttachment = { instanceId, device, state: "attaching", attachTime: new Date(), pendingDetach: false };
  volume.attachments.push(attachment);
  volume.state = "in-use";
  world.later(world.timing.attachMs, () => {
    if (attachment.state !== "attaching" || !volume.attachments.includes(attachment)) return;
    attachment.state = "attached";
    world.events.emit("attached", { volumeId: volume.volumeId, instanceId, device });
  });
  return attachment;
}

export function beginDetach(world: Ec2World, volume: Volume, attachment: VolumeAttachment, force: boolean): void {
  attachment.state = "detaching";
  world.later(world.timing.detachMs, () => {
    if (!volume.attachments.includes(attachment)) return;
    if (!force && volume.stuckUntilForce && osRunning(world, attachment.instanceId)) {
      // Only a forced detach or the instance stopping ends this.
      attachment.state = "busy";
      attachment.pendingDetach = true;
      return;
    }
    finishDetach(world, volume, attachment);
  });
}

export function finishDetach(world: Ec2World, volume: Volume, attachment: VolumeAttachment): void {
  if (!volume.attachments.includes(attachment)) return;
  volume.attachments = volume.attachments.filter((a) => a !== attachment);
  attachment.state = "detached";
  if (volume.attachments.length === 0) volume.state = "available";
  world.events.emit("detached", { volumeId: volume.volumeId, instanceId: attachment.instanceId, device: attachment.device });
}

/** A stopped instance's OS holds nothing: detaches that waited for it now complete. */
export function releaseWaitingDetaches(world: Ec2World, instanceId: string): void {
  for (const volume of world.volumes.values()) {
    for (const attachment of volume.attachments) {
      if (attachment.instanceId === instanceId && attachment.pendingDetach) {
        world.later(world.timing.detachMs, () => finishDetach(world, volume, attachment));
      }
    }
  }
}

/** Attachments that still occupy the instance's device names (everything but a finished detach). */
export function attachmentsOf(world: Ec2World, instanceId: string): { volume: Volume; attachment: VolumeAttachment }[] {
  const found: { volume: Volume; attachment: VolumeAttachment }[] = [];
  for (const volume of world.volumes.values()) {
    for (const attachment of volume.attachments) if (attachment.instanceId === instanceId) found.push({ volume, attachment });
  }
  return found;
}
