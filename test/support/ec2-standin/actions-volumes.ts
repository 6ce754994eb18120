import type { ActionTable } from "./action";
import { Ec2Error, invalidParameterValue } from "./errors";
import { applyFilters, type FilterKeys } from "./filters";
import type { QueryRequest } from "./query";
import { attachmentsOf, beginAttach, beginDetach } from "./volume-lifecycle";
import type { Ec2World, Volume, VolumeAttachment } from "./world";
import { itemSet, leaf } from "./xml";

// EBS volumes: the volume resource's side of EC2. One attachment per volume (no Multi-Attach), in
// the volume's AZ only, and nothing attached twice. Before the permission answer (DryRun included)
// only the parameters and that the volume and the instance exist are judged; the state checks (in
// use, AZ, device taken, attached here) come when the action runs. EC2 does not document them for
// DryRun, and judged early they would leave a backup's volume permissions unprovable.

const volumeFilters: FilterKeys<Volume> = {
  "volume-id": (v) => [v.volumeId],
  "availability-zone": (v) => [v.availabilityZone],
  status: (v) => [v.state],
  size: (v) => [String(v.size)],
  "attachment.instance-id": (v) => v.attachments.map((a) => a.instanceId),
  "attachment.status": (v) => v.attachments.map((a) => a.state),
  "attachment.device": (v) => v.attachments.map((a) => a.device),
};

function attachmentXml(volumeId: string, a: VolumeAttachment, state = a.state): string {
  return (
    leaf("volumeId", volumeId) +
    leaf("instanceId", a.instanceId) +
    leaf("device", a.device) +
    leaf("status", state) +
    leaf("attachTime", a.attachTime.toISOString()) +
    leaf("deleteOnTermination", false)
  );
}

function volumeXml(v: Volume): string {
  return [
    leaf("volumeId", v.volumeId),
    leaf("size", v.size),
    leaf("availabilityZone", v.availabilityZone),
    leaf("status", v.state),
    leaf("createTime", v.createTime.toISOString()),
    itemSet("attachmentSet", v.attachments, (a) => attachmentXml(v.volumeId, a)),
    leaf("volumeType", "gp3"),
    leaf("encrypted", false),
    leaf("multiAttachEnabled", false),
  ].join("");
}

function describeVolumes(world: Ec2World, request: QueryRequest): string {
  const ids = request.list("VolumeId");
  const candidates = ids.length > 0 ? ids.map((id) => world.volume(id)) : [...world.volumes.values()];
  return itemSet("volumeSet", applyFilters(candidates, request.filters(), volumeFilters), volumeXml);
}

/** What EC2 judges of an AttachVolume request before the permission answer. */
function attachment(world: Ec2World, request: QueryRequest) {
  const volume = world.volume(request.require("VolumeId"));
  const instance = world.instance(request.require("InstanceId"));
  const device = request.require("Device");
  return { volume, instance, device };
}

function attachVolume(world: Ec2World, request: QueryRequest): string {
  const { volume, instance, device } = attachment(world, request);
  // EC2 attaches to running and to stopped instances alike; only the transitional states refuse.
  if (instance.state !== "running" && instance.state !== "stopped") {
    throw new Ec2Error("IncorrectInstanceState", `Instance '${instance.instanceId}' is not 'running' or 'stopped'.`);
  }
  if (volume.availabilityZone !== instance.availabilityZone) {
    throw new Ec2Error(
      "InvalidVolume.ZoneMismatch",
      `The volume '${volume.volumeId}' is not in the same availability zone as instance '${instance.instanceId}'`,
    );
  }
  const current = volume.attachments[0];
  if (current && current.state !== "detaching" && current.state !== "busy") {
    throw new Ec2Error("VolumeInUse", `${volume.volumeId} is already attached to an instance`);
  }
  if (current || volume.state !== "available") throw new Ec2Error("IncorrectState", `${volume.volumeId} is not 'available'.`);
  if (attachmentsOf(world, instance.instanceId).some(({ attachment }) => attachment.device === device)) {
    throw invalidParameterValue(`Invalid value '${device}' for unixDevice. Attachment point ${device} is already in use`);
  }
  return attachmentXml(volume.volumeId, beginAttach(world, volume, instance.instanceId, device));
}

/** What EC2 judges of a DetachVolume request before the permission answer. */
function detachment(world: Ec2World, request: QueryRequest) {
  const volume = world.volume(request.require("VolumeId"));
  const instanceId = request.get("InstanceId");
  if (instanceId !== undefined) world.instance(instanceId);
  return { volume, instanceId };
}

function detachVolume(world: Ec2World, request: QueryRequest): string {
  const { volume, instanceId } = detachment(world, request);
  const device = request.get("Device");
  const force = request.bool("Force") ?? false;
  if (volume.attachments.length === 0)
    throw new Ec2Error("IncorrectState", `Volume '${volume.volumeId}' is in the '${volume.state}' state.`);
  const attachment = volume.attachments.find(
    (a) => (instanceId === undefined || a.instanceId === instanceId) && (device === undefined || a.device === device),
  );
  if (!attachment) {
    throw new Ec2Error(
      "InvalidAttachment.NotFound",
      `Volume '${volume.volumeId}' can not be detached from instance '${instanceId ?? "?"}' as it is not attached to it`,
    );
  }
  if (attachment.state === "detaching" || attachment.state === "busy") {
    // A second plain detach changes nothing; a forced one overrides the wait for the OS.
    if (force) {
      attachment.pendingDetach = false;
      beginDetach(world, volume, attachment, true);
    }
    return attachmentXml(volume.volumeId, attachment, "detaching");
  }
  beginDetach(world, volume, attachment, force);
  return attachmentXml(volume.volumeId, attachment);
}

export const volumeActions: ActionTable = {
  DescribeVolumes: { mutates: false, dryRun: true, run: describeVolumes },
  AttachVolume: { mutates: true, dryRun: true, validate: attachment, run: attachVolume },
  DetachVolume: { mutates: true, dryRun: true, validate: detachment, run: detachVolume },
};
