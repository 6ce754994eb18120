import { AwsHaError } from "../errors";
import { escapeControls, quoted } from "../log";
import type { AttachmentState, InstanceState, VolumeState } from "./ec2-port";

// The states EC2 documents. Fencing and the volume waits decide on them (attach only when
// "available", fence until "stopped"), so a word EC2 does not send — or none — is never passed on as one.

export const volumeStates: readonly VolumeState[] = ["creating", "available", "in-use", "deleting", "deleted", "error"];
export const attachmentStates: readonly AttachmentState[] = ["attaching", "attached", "detaching", "detached", "busy"];
export const instanceStates: readonly InstanceState[] = ["pending", "running", "shutting-down", "terminated", "stopping", "stopped"];

/** `value` if it is one of `states`, else an error that says which answer EC2 would never give. */
export function documented<T extends string>(
  states: readonly T[],
  value: string | undefined,
  where: { action: string; what: string; field: string; resource: string },
): T {
  if (value !== undefined && (states as readonly string[]).includes(value)) return value as T;
  const answer =
    value === undefined
      ? `no ${where.what} (${where.field}), which EC2 always sends`
      : `${escapeControls(quoted(value, 40))} as the ${where.what} (${where.field}), which EC2 does not send`;
  throw new AwsHaError("cloud", `EC2 ${where.action} answered ${answer}`, {
    resource: where.resource,
    fix: "aws-ha acts only on the states EC2 documents: check the EC2 endpoint the node uses (AWS_ENDPOINT_URL_EC2, a VPC endpoint) and any proxy in between, then retry the transition",
  });
}
