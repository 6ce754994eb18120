import type { ActionTable } from "./action";
import { associationNotFound, Ec2Error, invalidParameterValue, missingParameter } from "./errors";
import { applyFilters, type FilterKeys } from "./filters";
import type { QueryRequest } from "./query";
import type { Ec2World, ElasticIp, NetworkInterface } from "./world";
import { itemSet, leaf } from "./xml";

// Elastic IPs: the eip resource's side of EC2. In a VPC, AssociateAddress re-points an address
// that is associated elsewhere unless the caller sends AllowReassociation=false; a private address
// carries at most one Elastic IP, so associating a second one displaces the first. The address,
// the target interface and the private address on it are judged before the permission answer
// (DryRun included); whether the address is associated elsewhere only when the action runs.

const addressFilters = (world: Ec2World): FilterKeys<ElasticIp> => ({
  "allocation-id": (a) => [a.allocationId],
  "association-id": (a) => [a.association?.associationId],
  domain: () => ["vpc"],
  "instance-id": (a) => [instanceOf(world, a)],
  "network-interface-id": (a) => [a.association?.networkInterfaceId],
  "network-interface-owner-id": (a) => [a.association ? world.accountId : undefined],
  "private-ip-address": (a) => [a.association?.privateIp],
  "public-ip": (a) => [a.publicIp],
});

const instanceOf = (world: Ec2World, a: ElasticIp) =>
  a.association ? world.interfaces.get(a.association.networkInterfaceId)?.instanceId : undefined;

function addressXml(world: Ec2World, a: ElasticIp): string {
  return [
    leaf("publicIp", a.publicIp),
    leaf("allocationId", a.allocationId),
    leaf("domain", "vpc"),
    leaf("instanceId", instanceOf(world, a)),
    leaf("associationId", a.association?.associationId),
    leaf("networkInterfaceId", a.association?.networkInterfaceId),
    leaf("networkInterfaceOwnerId", a.association ? world.accountId : undefined),
    leaf("privateIpAddress", a.association?.privateIp),
    leaf("publicIpv4Pool", "amazon"),
    leaf("networkBorderGroup", world.region),
  ].join("");
}

function byPublicIp(world: Ec2World, publicIp: string): ElasticIp {
  for (const a of world.addresses.values()) if (a.publicIp === publicIp) return a;
  throw new Ec2Error("InvalidAddress.NotFound", `Address '${publicIp}' not found.`);
}

function describeAddresses(world: Ec2World, request: QueryRequest): string {
  const allocationIds = request.list("AllocationId");
  const publicIps = request.list("PublicIp");
  const named = [...allocationIds.map((id) => world.address(id)), ...publicIps.map((ip) => byPublicIp(world, ip))];
  const candidates = named.length > 0 ? [...new Set(named)] : [...world.addresses.values()];
  return itemSet("addressesSet", applyFilters(candidates, request.filters(), addressFilters(world)), (a) => addressXml(world, a));
}

/** The interface an association targets: named directly, or the only interface of the named instance. */
function targetInterface(world: Ec2World, request: QueryRequest): NetworkInterface {
  const networkInterfaceId = request.get("NetworkInterfaceId");
  const instanceId = request.get("InstanceId");
  if (networkInterfaceId !== undefined && instanceId !== undefined) {
    throw new Ec2Error("InvalidParameterCombination", "You may specify either an instance ID or a network interface ID, but not both.");
  }
  if (networkInterfaceId !== undefined) return world.eni(networkInterfaceId);
  if (instanceId === undefined) throw missingParameter("InstanceId or NetworkInterfaceId");
  world.instance(instanceId);
  const interfaces = world.interfacesOf(instanceId);
  if (interfaces.length !== 1) {
    throw new Ec2Error(
      "InvalidInstanceID",
      interfaces.length === 0
        ? `The instance '${instanceId}' has no network interface.`
        : `There are multiple interfaces attached to instance '${instanceId}'. Please specify an interface ID for the operation instead.`,
    );
  }
  return interfaces[0]!;
}

/** An AssociateAddress request as EC2 judges it: the address, the interface, a private address the interface has. */
function association(world: Ec2World, request: QueryRequest) {
  const allocationId = request.get("AllocationId");
  const publicIp = request.get("PublicIp");
  const eip = allocationId !== undefined ? world.address(allocationId) : publicIp !== undefined ? byPublicIp(world, publicIp) : undefined;
  if (!eip) throw missingParameter("AllocationId");
  const eni = targetInterface(world, request);
  const privateIp = request.get("PrivateIpAddress") ?? eni.privateIps[0]!;
  if (!eni.privateIps.includes(privateIp)) {
    throw invalidParameterValue(`The private IP address ${privateIp} is not assigned to network interface ${eni.networkInterfaceId}.`);
  }
  return { eip, eni, privateIp };
}

function associateAddress(world: Ec2World, request: QueryRequest): string {
  const { eip, eni, privateIp } = association(world, request);
  // Absent means "reassociate" in a VPC; only an explicit false refuses to take the address away.
  const refuseReassociation = request.bool("AllowReassociation") === false;
  const current = eip.association;
  const sameTarget = current?.networkInterfaceId === eni.networkInterfaceId && current.privateIp === privateIp;
  const occupant = world.addressOn(eni.networkInterfaceId, privateIp);
  if (refuseReassociation && ((current && !sameTarget) || (occupant && occupant !== eip))) {
    throw new Ec2Error(
      "Resource.AlreadyAssociated",
      `resource ${current && !sameTarget ? eip.allocationId : privateIp} is already associated with associate-id ${(current ?? occupant?.association)?.associationId}`,
    );
  }
  if (sameTarget) return leaf("return", true) + leaf("associationId", current.associationId);
  if (occupant && occupant !== eip) occupant.association = undefined;
  eip.association = { associationId: world.newId("eipassoc"), networkInterfaceId: eni.networkInterfaceId, privateIp };
  return leaf("return", true) + leaf("associationId", eip.association.associationId);
}

/** The address a DisassociateAddress request names, by association id or by public address. */
function associatedAddress(world: Ec2World, request: QueryRequest): ElasticIp {
  const associationId = request.get("AssociationId");
  const publicIp = request.get("PublicIp");
  if (associationId === undefined) {
    if (publicIp === undefined) throw missingParameter("AssociationId");
    return byPublicIp(world, publicIp);
  }
  const eip = [...world.addresses.values()].find((a) => a.association?.associationId === associationId);
  if (!eip) throw associationNotFound(associationId);
  return eip;
}

function disassociateAddress(world: Ec2World, request: QueryRequest): string {
  associatedAddress(world, request).association = undefined;
  return leaf("return", true);
}

export const addressActions: ActionTable = {
  DescribeAddresses: { mutates: false, dryRun: true, run: describeAddresses },
  AssociateAddress: { mutates: true, dryRun: true, validate: association, run: associateAddress },
  DisassociateAddress: { mutates: true, dryRun: true, validate: associatedAddress, run: disassociateAddress },
};
