import type { EniView } from "../../cloud/ec2-port";

type Attachment = NonNullable<EniView["attachment"]>;

/** This instance's attachment of the ENI, in whatever state. */
export function attachmentHere(eni: EniView, instanceId: string): Attachment | undefined {
  return eni.attachment?.instanceId === instanceId ? eni.attachment : undefined;
}

/** Another instance's attachment: while there is one, EC2 refuses to attach the ENI here. */
export function foreignAttachment(eni: EniView, instanceId: string): Attachment | undefined {
  return eni.attachment && eni.attachment.instanceId !== instanceId ? eni.attachment : undefined;
}
