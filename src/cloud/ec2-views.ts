import type { Address, Instance, NetworkInterface, NetworkInterfacePrivateIpAddress, RouteTable, Volume } from "@aws-sdk/client-ec2";
import { canonicalAddress, familyOf } from "../cluster/ip-addresses";
import { AwsHaError } from "../errors";
import type { AddressView, EniView, InstanceView, InterfaceView, RouteView, VolumeView } from "./ec2-port";
import { attachmentStates, documented, instanceStates, volumeStates } from "./ec2-states";

// EC2's answers in the port's words: the resources never see the SDK's shapes, and a state word
// they decide on is one EC2 documents (ec2-states.ts).

export function interfaceView(eni: NetworkInterface): InterfaceView {
  const addresses = [...(eni.PrivateIpAddresses ?? [])].sort((a, b) => Number(b.Primary ?? false) - Number(a.Primary ?? false));
  return {
    networkInterfaceId: eni.NetworkInterfaceId ?? "",
    subnetId: eni.SubnetId ?? "",
    availabilityZone: eni.AvailabilityZone ?? "",
    privateIps: addresses.map((a) => a.PrivateIpAddress).filter((ip): ip is string => ip !== undefined),
    sourceDestCheck: eni.SourceDestCheck ?? true,
    ...ipv6Of(eni),
    instanceId: eni.Attachment?.InstanceId,
    ...associationsOf(addresses),
  };
}

/** The Elastic IPs EC2 lists on the private addresses, left out where there are none (as for most ENIs). */
function associationsOf(addresses: readonly NetworkInterfacePrivateIpAddress[]): Pick<InterfaceView, "associations"> {
  const associations = addresses.flatMap(({ PrivateIpAddress: privateIp, Association: a }) =>
    privateIp !== undefined && a?.PublicIp !== undefined
      ? [{ privateIp, publicIp: a.PublicIp, ...(a.AllocationId === undefined ? {} : { allocationId: a.AllocationId }) }]
      : [],
  );
  return associations.length > 0 ? { associations } : {};
}

/** The ENI with its attachment: the attachment's state decides when a whole-ENI move is done. */
export function eniView(eni: NetworkInterface, networkInterfaceId: string): EniView {
  const attachment = eni.Attachment;
  const where = { action: "DescribeNetworkInterfaces", resource: networkInterfaceId };
  const state = attachment?.InstanceId
    ? documented(attachmentStates, attachment.Status, { ...where, what: "attachment state", field: "attachment.status" })
    : undefined;
  return {
    networkInterfaceId,
    availabilityZone: eni.AvailabilityZone ?? "",
    macAddress: (eni.MacAddress ?? "").toLowerCase(),
    privateIps: interfaceView(eni).privateIps,
    // An attachment without an instance, or one whose detach has completed, holds nothing.
    ...(attachment?.InstanceId && state && state !== "detached"
      ? {
          attachment: {
            attachmentId: attachment.AttachmentId ?? "",
            instanceId: attachment.InstanceId,
            deviceIndex: attachment.DeviceIndex ?? -1,
            state,
          },
        }
      : {}),
  };
}

/**
 * The ENI's IPv6 addresses, left out where it has none (as for most ENIs). In their one spelling:
 * the description's are canonical, and an answer that spelled one otherwise (upper case, zeros not
 * folded) must not make a VIP look held by nobody. What is no IPv6 address is dropped.
 */
function ipv6Of(eni: NetworkInterface): Pick<InterfaceView, "ipv6Addresses"> {
  const ipv6Addresses = (eni.Ipv6Addresses ?? [])
    .map((a) => a.Ipv6Address)
    .filter((ip): ip is string => ip !== undefined && familyOf(ip) === "ipv6")
    .map(canonicalAddress);
  return ipv6Addresses.length > 0 ? { ipv6Addresses } : {};
}

export function addressView(a: Address): AddressView {
  return {
    allocationId: a.AllocationId ?? "",
    publicIp: a.PublicIp ?? "",
    associationId: a.AssociationId,
    networkInterfaceId: a.NetworkInterfaceId,
    privateIp: a.PrivateIpAddress,
    instanceId: a.InstanceId,
  };
}

/** The route for `cidr` in each table asked about, in the order asked; a table EC2 left out does not exist. */
export function routeViews(tables: readonly RouteTable[], routeTableIds: readonly string[], cidr: string): RouteView[] {
  return routeTableIds.map((routeTableId) => {
    const table = tables.find((t) => t.RouteTableId === routeTableId);
    if (!table) throw missing("DescribeRouteTables", "route table", routeTableId);
    const route = table.Routes?.find((r) => (cidr.includes(":") ? r.DestinationIpv6CidrBlock : r.DestinationCidrBlock) === cidr);
    return { routeTableId, exists: route !== undefined, networkInterfaceId: route?.NetworkInterfaceId, state: route?.State };
  });
}

export function volumeView(volume: Volume, volumeId: string): VolumeView {
  const where = { action: "DescribeVolumes", resource: volumeId };
  return {
    volumeId,
    state: documented(volumeStates, volume.State, { ...where, what: "volume state", field: "status" }),
    availabilityZone: volume.AvailabilityZone ?? "",
    attachments: (volume.Attachments ?? []).map((a) => ({
      instanceId: a.InstanceId ?? "",
      state: documented(attachmentStates, a.State, { ...where, what: "attachment state", field: "attachmentSet.item.status" }),
      device: a.Device ?? "",
    })),
  };
}

export function instanceView(instance: Instance, instanceId: string): InstanceView {
  return {
    instanceId,
    state: documented(instanceStates, instance.State?.Name, {
      action: "DescribeInstances",
      what: "instance state",
      field: "instanceState.name",
      resource: instanceId,
    }),
    availabilityZone: instance.Placement?.AvailabilityZone ?? "",
  };
}

/** EC2 usually says NotFound itself; an empty answer to a query by id means the same. */
export function missing(action: string, what: string, id: string): AwsHaError {
  return new AwsHaError("config", `EC2 ${action}: ${what} ${id} does not exist`, {
    resource: id,
    fix: "check the ids in the cluster description: they must exist in the node's region and account",
  });
}
