import type { ActionTable } from "./action";
import { interfaceXml } from "./actions-interfaces";
import { Ec2Error, missingParameter } from "./errors";
import { applyFilters, type FilterKeys } from "./filters";
import { beginStart, beginStop, instanceStateCodes } from "./instance-lifecycle";
import type { QueryRequest } from "./query";
import { attachmentsOf } from "./volume-lifecycle";
import type { Ec2World, Instance } from "./world";
import type { InstanceStateName } from "./world-spec";
import { itemSet, leaf, node } from "./xml";

// Instances: what fencing stops and what identity checks describe. Every instance is its own
// reservation; the type, image and launch time are fixed placeholders. Stop and start judge the
// named instances' existence before the permission answer, their state only when they run.

const launchTime = new Date("2024-01-01T00:00:00.000Z");

const instanceFilters = (world: Ec2World): FilterKeys<Instance> => ({
  "instance-id": (i) => [i.instanceId],
  "instance-state-name": (i) => [i.state],
  "instance-state-code": (i) => [String(instanceStateCodes[i.state])],
  "availability-zone": (i) => [i.availabilityZone],
  "network-interface.network-interface-id": (i) => world.interfacesOf(i.instanceId).map((e) => e.networkInterfaceId),
  "network-interface.addresses.private-ip-address": (i) => world.interfacesOf(i.instanceId).flatMap((e) => e.privateIps),
  "private-ip-address": (i) => [world.interfacesOf(i.instanceId)[0]?.privateIps[0]],
  "subnet-id": (i) => world.interfacesOf(i.instanceId).map((e) => e.subnetId),
  "vpc-id": (i) => world.interfacesOf(i.instanceId).map((e) => world.vpcOf(e)),
  "block-device-mapping.volume-id": (i) => attachmentsOf(world, i.instanceId).map(({ volume }) => volume.volumeId),
});

const stateXml = (name: string, state: InstanceStateName) => node(name, leaf("code", instanceStateCodes[state]), leaf("name", state));

function instanceXml(world: Ec2World, instance: Instance): string {
  const interfaces = world.interfacesOf(instance.instanceId);
  const primary = interfaces[0];
  const primaryIp = primary?.privateIps[0];
  const publicIp = primary && primaryIp ? world.addressOn(primary.networkInterfaceId, primaryIp)?.publicIp : undefined;
  const stopped = instance.state === "stopped" || instance.state === "stopping";
  return [
    leaf("instanceId", instance.instanceId),
    leaf("imageId", "ami-0standin00000000001"),
    stateXml("instanceState", instance.state),
    leaf("privateDnsName", primaryIp ? `ip-${primaryIp.replace(/\./g, "-")}.${world.region}.compute.internal` : undefined),
    leaf("amiLaunchIndex", 0),
    leaf("instanceType", "t3.small"),
    leaf("launchTime", launchTime.toISOString()),
    node("placement", leaf("availabilityZone", instance.availabilityZone), leaf("tenancy", "default")),
    node("monitoring", leaf("state", "disabled")),
    leaf("subnetId", primary?.subnetId),
    leaf("vpcId", primary ? world.vpcOf(primary) : undefined),
    leaf("privateIpAddress", primaryIp),
    leaf("ipAddress", publicIp),
    leaf("sourceDestCheck", primary?.sourceDestCheck),
    stopped
      ? node(
          "stateReason",
          leaf("code", "Client.UserInitiatedShutdown"),
          leaf("message", "Client.UserInitiatedShutdown: User initiated shutdown"),
        )
      : "",
    leaf("architecture", "x86_64"),
    leaf("rootDeviceType", "ebs"),
    leaf("rootDeviceName", "/dev/xvda"),
    itemSet(
      "blockDeviceMapping",
      attachmentsOf(world, instance.instanceId),
      ({ volume, attachment }) =>
        leaf("deviceName", attachment.device) +
        node(
          "ebs",
          leaf("volumeId", volume.volumeId),
          leaf("status", attachment.state),
          leaf("attachTime", attachment.attachTime.toISOString()),
          leaf("deleteOnTermination", false),
        ),
    ),
    leaf("virtualizationType", "hvm"),
    leaf("hypervisor", "xen"),
    itemSet("networkInterfaceSet", interfaces, (eni) => interfaceXml(world, eni)),
  ].join("");
}

function describeInstances(world: Ec2World, request: QueryRequest): string {
  const ids = request.list("InstanceId");
  const candidates = ids.length > 0 ? ids.map((id) => world.instance(id)) : [...world.instances.values()];
  const found = applyFilters(candidates, request.filters(), instanceFilters(world));
  return itemSet(
    "reservationSet",
    found,
    (instance) =>
      leaf("reservationId", `r-${instance.instanceId.slice(2)}`) +
      leaf("ownerId", world.accountId) +
      node("groupSet") +
      itemSet("instancesSet", [instance], (i) => instanceXml(world, i)),
  );
}

/** Validates every named instance before changing any, as EC2 does. */
function namedInstances(world: Ec2World, request: QueryRequest): Instance[] {
  const ids = request.list("InstanceId");
  if (ids.length === 0) throw missingParameter("InstanceId");
  return ids.map((id) => world.instance(id));
}

function stateChanges(changes: { instance: Instance; previous: InstanceStateName }[]): string {
  return itemSet(
    "instancesSet",
    changes,
    ({ instance, previous }) =>
      leaf("instanceId", instance.instanceId) + stateXml("currentState", instance.state) + stateXml("previousState", previous),
  );
}

function stopInstances(world: Ec2World, request: QueryRequest): string {
  const instances = namedInstances(world, request);
  // Force and SkipOsShutdown are accepted; with no guest OS to wait for, every stop takes stopMs.
  request.bool("Force");
  request.bool("SkipOsShutdown");
  for (const i of instances) {
    if (i.state === "pending" || i.state === "shutting-down" || i.state === "terminated") {
      throw new Ec2Error("IncorrectInstanceState", `This instance '${i.instanceId}' is not in a state from which it can be stopped.`);
    }
  }
  const changes = instances.map((instance) => ({ instance, previous: instance.state }));
  for (const { instance } of changes) beginStop(world, instance);
  return stateChanges(changes);
}

function startInstances(world: Ec2World, request: QueryRequest): string {
  const instances = namedInstances(world, request);
  for (const i of instances) {
    if (i.state === "stopping" || i.state === "shutting-down" || i.state === "terminated") {
      throw new Ec2Error("IncorrectInstanceState", `The instance '${i.instanceId}' is not in a state from which it can be started.`);
    }
  }
  const changes = instances.map((instance) => ({ instance, previous: instance.state }));
  for (const { instance } of changes) beginStart(world, instance);
  return stateChanges(changes);
}

/** Only SourceDestCheck: it acts on the primary interface, so an instance with several is refused. */
function modifyInstanceAttribute(world: Ec2World, request: QueryRequest): string {
  const instance = world.instance(request.require("InstanceId"));
  const value = request.bool("SourceDestCheck.Value");
  if (value === undefined) throw missingParameter("SourceDestCheck");
  const interfaces = world.interfacesOf(instance.instanceId);
  if (interfaces.length !== 1) {
    throw new Ec2Error(
      "InvalidInstanceID",
      `There are multiple interfaces attached to instance '${instance.instanceId}'. Please specify an interface ID for the operation instead.`,
    );
  }
  interfaces[0]!.sourceDestCheck = value;
  return leaf("return", true);
}

export const instanceActions: ActionTable = {
  DescribeInstances: { mutates: false, dryRun: true, run: describeInstances },
  StopInstances: { mutates: true, dryRun: true, validate: namedInstances, run: stopInstances },
  StartInstances: { mutates: true, dryRun: true, validate: namedInstances, run: startInstances },
  ModifyInstanceAttribute: { mutates: true, dryRun: true, run: modifyInstanceAttribute },
};
