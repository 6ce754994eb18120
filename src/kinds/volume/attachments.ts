import type { VolumeView } from "../../cloud/ec2-port";

type Attachment = VolumeView["attachments"][number];

// EC2 may still list an attachment as `detached` for a moment after it is gone; it holds nothing.
const live = (v: VolumeView): Attachment[] => v.attachments.filter((a) => a.state !== "detached");

/** This instance's attachment of the volume, in whatever state. */
export function attachmentOf(volume: VolumeView, instanceId: string): Attachment | undefined {
  return live(volume).find((a) => a.instanceId === instanceId);
}

/** Another instance's attachment: while there is one, the volume must not be attached here. */
export function foreignAttachment(volume: VolumeView, instanceId: string): Attachment | undefined {
  return live(volume).find((a) => a.instanceId !== instanceId);
}

export function holderOf(volume: VolumeView): string | undefined {
  return live(volume)[0]?.instanceId;
}
