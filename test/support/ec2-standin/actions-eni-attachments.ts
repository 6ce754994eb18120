import type { ActionTable } from "./action";
import { Ec2Error, invalidParameterValue, missingParameter } from "./errors";
import type { QueryRequest } from "./query";
import type { Ec2World, NetworkInterface } from "./world";
import { leaf } from "./xml";

// Whole network interfaces moving between instances: the `eni` resource's side of EC2.
//
// AttachNetworkInterface (NetworkInterfaceId, InstanceId, DeviceIndex; DryRun) answers at once with
// a new attachment id; the attachment is `attaching` and becomes `attached` after timing.attachMs.
// DetachNetworkInterface (AttachmentId, Force; DryRun) answers at once; the attachment is
// `detaching` until timing.detachMs later, when the interface is `available` again. Force, which
// the API reference keeps as a last resort for a failed instance, is accepted on a detach already
// under way. Before the permission answer (DryRun included) only the parameters and the ids are
// judged (the interface and instance exist, the attachment id is a live one); the state rules come
// when the action runs: the interface attached anywhere (InvalidNetworkInterface.InUse), in another
// AZ than the instance (InvalidParameterCombination), a device index the instance already uses
// (InvalidParameterValue; index 0 is always its primary interface), an instance in a transitional
// state (IncorrectInstanceState), and a detach of a primary interface (OperationNotPermitted).

/** What EC2 judges of an AttachNetworkInterface request before the permission answer. */
function attachRequest(world: Ec2World, request: QueryRequest) {
  const eni = world.eni(request.require("NetworkInterfaceId"));
  const instance = world.instance(request.require("InstanceId"));
  const deviceIndex = request.int("DeviceIndex");
  if (deviceIndex === undefined) throw missingParameter("DeviceIndex");
  if (deviceIndex < 0) throw invalidParameterValue(`Value (${deviceIndex}) for parameter deviceIndex is invalid.`);
  return { eni, instance, deviceIndex };
}

function attachNetworkInterface(world: Ec2World, request: QueryRequest): string {
  const { eni, instance, deviceIndex } = attachRequest(world, request);
  // EC2 attaches to running and to stopped instances alike; only the transitional states refuse.
  if (instance.state !== "running" && instance.state !== "stopped")
    throw new Ec2Error("IncorrectInstanceState", `The instance '${instance.instanceId}' is not in a state from which it can be attached.`);
  if (eni.instanceId !== undefined) throw new Ec2Error("InvalidNetworkInterface.InUse", `Interface: [${eni.networkInterfaceId}] in use.`);
  if (world.subnet(eni.subnetId).availabilityZone !== instance.availabilityZone)
    throw new Ec2Error(
      "InvalidParameterCombination",
      "You may not attach a network interface to an instance if they are not in the same availability zone",
    );
  // Index 0 belongs to the primary interface the instance was launched with, whether or not the world lists it.
  if (deviceIndex === 0 || world.interfacesOf(instance.instanceId).some((e) => e.deviceIndex === deviceIndex))
    throw invalidParameterValue(`Instance '${instance.instanceId}' already has an interface attached at device index '${deviceIndex}'.`);

  const attachmentId = world.newId("eni-attach");
  Object.assign(eni, { instanceId: instance.instanceId, deviceIndex, attachmentId, attachmentState: "attaching" });
  world.later(world.timing.attachMs, () => {
    if (eni.attachmentId !== attachmentId || eni.attachmentState !== "attaching") return;
    eni.attachmentState = "attached";
    world.events.emit("interface-attached", interfaceEvent(eni));
  });
  return leaf("attachmentId", attachmentId) + leaf("networkCardIndex", 0);
}

/** What EC2 judges of a DetachNetworkInterface request before the permission answer: a live attachment. */
function detachRequest(world: Ec2World, request: QueryRequest) {
  const attachmentId = request.require("AttachmentId");
  const eni = [...world.interfaces.values()].find((e) => e.instanceId !== undefined && e.attachmentId === attachmentId);
  if (!eni) throw new Ec2Error("InvalidAttachmentID.NotFound", `The attachment ID '${attachmentId}' does not exist`);
  return { eni, attachmentId };
}

function detachNetworkInterface(world: Ec2World, request: QueryRequest): string {
  const { eni, attachmentId } = detachRequest(world, request);
  const force = request.bool("Force") ?? false;
  if (eni.deviceIndex === 0) throw new Ec2Error("OperationNotPermitted", `The network interface at device index 0 cannot be detached.`);
  // A second plain detach changes nothing; a forced one completes it without waiting any longer.
  if (eni.attachmentState === "detaching" && !force) return leaf("return", true);
  eni.attachmentState = "detaching";
  world.later(force ? 0 : world.timing.detachMs, () => finishDetach(world, eni, attachmentId));
  return leaf("return", true);
}

function finishDetach(world: Ec2World, eni: NetworkInterface, attachmentId: string): void {
  if (eni.attachmentId !== attachmentId || eni.instanceId === undefined) return;
  const event = interfaceEvent(eni);
  Object.assign(eni, { instanceId: undefined, attachmentState: undefined });
  world.events.emit("interface-detached", event);
}

const interfaceEvent = (eni: NetworkInterface) => ({
  networkInterfaceId: eni.networkInterfaceId,
  instanceId: eni.instanceId!,
  deviceIndex: eni.deviceIndex,
  macAddress: eni.macAddress,
});

export const eniAttachmentActions: ActionTable = {
  AttachNetworkInterface: { mutates: true, dryRun: true, validate: attachRequest, run: attachNetworkInterface },
  DetachNetworkInterface: { mutates: true, dryRun: true, validate: detachRequest, run: detachNetworkInterface },
};
