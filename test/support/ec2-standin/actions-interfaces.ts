import type { ActionTable } from "./action";
import { Ec2Error, invalidParameterValue, missingParameter } from "./errors";
import { applyFilters, type FilterKeys } from "./filters";
import { cidrContains, isIpv4, numberToIp, usableAddresses } from "./ipv4";
import { canonicalAddress, cidrContains as blockContains, familyOf } from "../../../src/cluster/ip-addresses";
import type { QueryRequest } from "./query";
import type { Ec2World, NetworkInterface } from "./world";
import { itemSet, leaf, node } from "./xml";

// Network interfaces and their private addresses: the VIP resource's side of EC2. Neither address
// action has a DryRun. UnassignPrivateIpAddresses judges the interface and that it carries the
// addresses before the permission answer, so an unassignment of an address the ENI lacks (what
// `check` sends) shows a denial only in a world that decides the permission first; Assign judges
// everything when it runs.
//
// IPv6 addresses (AssignIpv6Addresses / UnassignIpv6Addresses): the API reference gives neither
// action a DryRun parameter nor anything like AllowReassignment, and lists only the common error
// codes. An address another ENI carries is refused with the common InvalidIPAddress.InUse and
// nothing changes: the only way to move one is to unassign it there first. Unassigning an address
// the ENI lacks is refused as for IPv4.

const interfaceFilters = (world: Ec2World): FilterKeys<NetworkInterface> => ({
  "network-interface-id": (e) => [e.networkInterfaceId],
  "addresses.private-ip-address": (e) => e.privateIps,
  "private-ip-address": (e) => e.privateIps,
  "ipv6-addresses.ipv6-address": (e) => e.ipv6Addresses,
  "addresses.primary": (e) => e.privateIps.map((_, i) => String(i === 0)),
  "attachment.instance-id": (e) => [e.instanceId],
  "subnet-id": (e) => [e.subnetId],
  "vpc-id": (e) => [world.vpcOf(e)],
  "availability-zone": (e) => [world.subnet(e.subnetId).availabilityZone],
  "mac-address": (e) => [e.macAddress],
  status: (e) => [e.instanceId === undefined ? "available" : "in-use"],
});

export function interfaceXml(world: Ec2World, eni: NetworkInterface): string {
  const subnet = world.subnet(eni.subnetId);
  const association = (ip: string) => {
    const eip = world.addressOn(eni.networkInterfaceId, ip);
    return eip
      ? node(
          "association",
          leaf("publicIp", eip.publicIp),
          leaf("allocationId", eip.allocationId),
          leaf("associationId", eip.association?.associationId),
          leaf("ipOwnerId", world.accountId),
        )
      : "";
  };
  return [
    leaf("networkInterfaceId", eni.networkInterfaceId),
    leaf("subnetId", eni.subnetId),
    leaf("vpcId", subnet.vpcId),
    leaf("availabilityZone", subnet.availabilityZone),
    leaf("ownerId", world.accountId),
    leaf("status", eni.instanceId === undefined ? "available" : "in-use"),
    leaf("macAddress", eni.macAddress),
    leaf("privateIpAddress", eni.privateIps[0]),
    leaf("sourceDestCheck", eni.sourceDestCheck),
    leaf("interfaceType", "interface"),
    eni.instanceId === undefined
      ? ""
      : node(
          "attachment",
          leaf("attachmentId", eni.attachmentId),
          leaf("instanceId", eni.instanceId),
          leaf("instanceOwnerId", world.accountId),
          leaf("deviceIndex", eni.deviceIndex),
          leaf("status", eni.attachmentState ?? "attached"),
          leaf("deleteOnTermination", eni.deviceIndex === 0),
        ),
    association(eni.privateIps[0]!),
    itemSet(
      "privateIpAddressesSet",
      eni.privateIps,
      (ip) => leaf("privateIpAddress", ip) + leaf("primary", ip === eni.privateIps[0]) + association(ip),
    ),
    itemSet("ipv6AddressesSet", eni.ipv6Addresses, (ip) => leaf("ipv6Address", ip) + leaf("isPrimaryIpv6", false)),
  ].join("");
}

function describeNetworkInterfaces(world: Ec2World, request: QueryRequest): string {
  const ids = request.list("NetworkInterfaceId");
  const candidates = ids.length > 0 ? ids.map((id) => world.eni(id)) : [...world.interfaces.values()];
  const found = applyFilters(candidates, request.filters(), interfaceFilters(world));
  return itemSet("networkInterfaceSet", found, (eni) => interfaceXml(world, eni));
}

/** Free addresses of the subnet, lowest first, for SecondaryPrivateIpAddressCount. */
function freeAddresses(world: Ec2World, cidr: string, count: number): string[] {
  const { first, last } = usableAddresses(cidr);
  const picked: string[] = [];
  for (let n = first; n <= last && picked.length < count; n++) {
    const ip = numberToIp(n);
    if (!world.holderOf(ip)) picked.push(ip);
  }
  if (picked.length < count)
    throw new Ec2Error(
      "InsufficientFreeAddressesInSubnet",
      `The specified subnet does not have enough free addresses to satisfy the request.`,
    );
  return picked;
}

function assignPrivateIpAddresses(world: Ec2World, request: QueryRequest): string {
  const eni = world.eni(request.require("NetworkInterfaceId"));
  const subnet = world.subnet(eni.subnetId);
  const allowReassignment = request.bool("AllowReassignment") ?? false;
  const count = request.int("SecondaryPrivateIpAddressCount");
  const wanted = request.list("PrivateIpAddress");
  if (wanted.length > 0 && count !== undefined) {
    throw new Ec2Error(
      "InvalidParameterCombination",
      "Either PrivateIpAddresses or SecondaryPrivateIpAddressCount may be specified, not both.",
    );
  }
  if (wanted.length === 0 && count === undefined) throw missingParameter("PrivateIpAddress or SecondaryPrivateIpAddressCount");

  // Validate everything before changing anything: EC2 applies a request entirely or not at all.
  const moves: { ip: string; from: NetworkInterface | undefined }[] = [];
  for (const ip of wanted) {
    if (!isIpv4(ip)) throw invalidParameterValue(`Invalid value '${ip}' for IP address.`);
    if (!cidrContains(subnet.cidr, ip)) throw invalidParameterValue(`Address ${ip} does not fall within the subnet's address range`);
    const holder = world.holderOf(ip);
    if (holder === eni) continue;
    if (holder) {
      if (holder.privateIps[0] === ip)
        throw invalidParameterValue(`[${ip}] is the primary address of ${holder.networkInterfaceId} and cannot be moved.`);
      if (!allowReassignment) throw invalidParameterValue(`[${ip}] assigned, but move is not allowed.`);
    }
    moves.push({ ip, from: holder });
  }
  const added = count !== undefined ? freeAddresses(world, subnet.cidr, count).map((ip) => ({ ip, from: undefined })) : moves;
  if (eni.privateIps.length + added.length > eni.maxPrivateIps) {
    throw new Ec2Error(
      "PrivateIpAddressLimitExceeded",
      `Number of private addresses will exceed limit of ${eni.maxPrivateIps} for interface ${eni.networkInterfaceId}.`,
    );
  }

  for (const { ip, from } of added) {
    if (from) {
      from.privateIps = from.privateIps.filter((a) => a !== ip);
      // The Elastic IP is bound to the private address, so it follows the address to its new interface.
      const eip = world.addressOn(from.networkInterfaceId, ip);
      if (eip?.association) eip.association = { ...eip.association, networkInterfaceId: eni.networkInterfaceId };
    }
    eni.privateIps.push(ip);
  }
  return (
    leaf("networkInterfaceId", eni.networkInterfaceId) +
    itemSet("assignedPrivateIpAddressesSet", added, ({ ip }) => leaf("privateIpAddress", ip)) +
    leaf("return", true)
  );
}

/** An UnassignPrivateIpAddresses request as EC2 judges it: secondary addresses the interface carries. */
function addressesToUnassign(world: Ec2World, request: QueryRequest) {
  const eni = world.eni(request.require("NetworkInterfaceId"));
  const ips = request.list("PrivateIpAddress");
  if (ips.length === 0) throw missingParameter("PrivateIpAddress");
  if (ips.some((ip) => !eni.privateIps.includes(ip))) {
    throw invalidParameterValue(`Some of the specified addresses are not assigned to interface ${eni.networkInterfaceId}`);
  }
  if (ips.includes(eni.privateIps[0]!))
    throw invalidParameterValue(`The primary private IP address ${eni.privateIps[0]} of ${eni.networkInterfaceId} cannot be unassigned.`);
  return { eni, ips };
}

function unassignPrivateIpAddresses(world: Ec2World, request: QueryRequest): string {
  const { eni, ips } = addressesToUnassign(world, request);
  for (const ip of ips) {
    // An Elastic IP cannot stay on an address that no longer exists; EC2 disassociates it.
    const eip = world.addressOn(eni.networkInterfaceId, ip);
    if (eip) eip.association = undefined;
  }
  eni.privateIps = eni.privateIps.filter((ip) => !ips.includes(ip));
  return leaf("return", true);
}

/** The IPv6 addresses of a request, as EC2 reads them: any spelling, compared in the canonical one. */
function ipv6List(request: QueryRequest): string[] {
  const given = request.list("Ipv6Addresses");
  for (const ip of given) if (familyOf(ip) !== "ipv6") throw invalidParameterValue(`Invalid value '${ip}' for IPv6 address.`);
  return given.map(canonicalAddress);
}

function assignIpv6Addresses(world: Ec2World, request: QueryRequest): string {
  const eni = world.eni(request.require("NetworkInterfaceId"));
  const subnet = world.subnet(eni.subnetId);
  const wanted = ipv6List(request);
  if (wanted.length === 0) throw missingParameter("Ipv6Addresses or Ipv6AddressCount");
  // Validate everything before changing anything: EC2 applies a request entirely or not at all.
  for (const ip of wanted) {
    if (subnet.ipv6Cidr === undefined)
      throw invalidParameterValue(
        `Subnet ${subnet.subnetId} has no IPv6 CIDR block; IPv6 addresses cannot be assigned to ${eni.networkInterfaceId}.`,
      );
    if (!blockContains(subnet.ipv6Cidr, ip)) throw invalidParameterValue(`Address ${ip} does not fall within the subnet's address range`);
    const holder = world.holderOfIpv6(ip);
    if (holder && holder !== eni) throw new Ec2Error("InvalidIPAddress.InUse", `Address ${ip} is in use.`);
  }
  const added = wanted.filter((ip) => !eni.ipv6Addresses.includes(ip));
  if (eni.ipv6Addresses.length + added.length > eni.maxPrivateIps) {
    throw new Ec2Error(
      "Ipv6AddressLimitExceeded",
      `Number of IPv6 addresses will exceed limit of ${eni.maxPrivateIps} for interface ${eni.networkInterfaceId}.`,
    );
  }
  eni.ipv6Addresses.push(...added);
  return leaf("networkInterfaceId", eni.networkInterfaceId) + itemSet("assignedIpv6Addresses", wanted, (ip) => ip);
}

/** An UnassignIpv6Addresses request as EC2 judges it: addresses the interface carries. */
function ipv6ToUnassign(world: Ec2World, request: QueryRequest) {
  const eni = world.eni(request.require("NetworkInterfaceId"));
  const ips = ipv6List(request);
  if (ips.length === 0) throw missingParameter("Ipv6Addresses");
  if (ips.some((ip) => !eni.ipv6Addresses.includes(ip)))
    throw invalidParameterValue(`Some of the specified addresses are not assigned to interface ${eni.networkInterfaceId}`);
  return { eni, ips };
}

function unassignIpv6Addresses(world: Ec2World, request: QueryRequest): string {
  const { eni, ips } = ipv6ToUnassign(world, request);
  eni.ipv6Addresses = eni.ipv6Addresses.filter((ip) => !ips.includes(ip));
  return leaf("networkInterfaceId", eni.networkInterfaceId) + itemSet("unassignedIpv6Addresses", ips, (ip) => ip);
}

function modifyNetworkInterfaceAttribute(world: Ec2World, request: QueryRequest): string {
  const eni = world.eni(request.require("NetworkInterfaceId"));
  const sourceDestCheck = request.bool("SourceDestCheck.Value");
  const description = request.get("Description.Value");
  if (sourceDestCheck === undefined && description === undefined) throw missingParameter("SourceDestCheck");
  if (sourceDestCheck !== undefined) eni.sourceDestCheck = sourceDestCheck;
  return leaf("return", true);
}

export const interfaceActions: ActionTable = {
  DescribeNetworkInterfaces: { mutates: false, dryRun: true, run: describeNetworkInterfaces },
  AssignPrivateIpAddresses: { mutates: true, dryRun: false, run: assignPrivateIpAddresses },
  UnassignPrivateIpAddresses: { mutates: true, dryRun: false, validate: addressesToUnassign, run: unassignPrivateIpAddresses },
  ModifyNetworkInterfaceAttribute: { mutates: true, dryRun: true, run: modifyNetworkInterfaceAttribute },
  AssignIpv6Addresses: { mutates: true, dryRun: false, run: assignIpv6Addresses },
  UnassignIpv6Addresses: { mutates: true, dryRun: false, validate: ipv6ToUnassign, run: unassignIpv6Addresses },
};
