import {
  AssignIpv6AddressesCommand,
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  AttachNetworkInterfaceCommand,
  AttachVolumeCommand,
  CreateRouteCommand,
  DeleteRouteCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeVolumesCommand,
  DetachNetworkInterfaceCommand,
  DetachVolumeCommand,
  DisassociateAddressCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceRouteCommand,
  StopInstancesCommand,
  StartInstancesCommand,
  UnassignIpv6AddressesCommand,
  UnassignPrivateIpAddressesCommand,
} from "@aws-sdk/client-ec2";
import type { DryRunAction } from "./ec2-port";

// Every EC2 request aws-ha sends, built in one place: the real call and the DryRun that `check`
// sends to prove its permission are the same request, so a flag set on one (AllowReassociation,
// Force) cannot be missing from the other. Each DryRunAction is one of these requests.

/** An EC2 request in the resources' words; a describe without ids is the DryRun probe's form. */
export type Ec2Request =
  | { action: "DescribeNetworkInterfaces"; networkInterfaceId?: string; privateIp?: string; ipv6Address?: string }
  | { action: "AssignIpv6Addresses"; networkInterfaceId: string; ipv6Address: string }
  | { action: "UnassignIpv6Addresses"; networkInterfaceId: string; ipv6Address: string }
  | { action: "AssignPrivateIpAddresses"; networkInterfaceId: string; privateIp: string }
  | { action: "UnassignPrivateIpAddresses"; networkInterfaceId: string; privateIp: string }
  | { action: "ModifyNetworkInterfaceAttribute"; networkInterfaceId: string; sourceDestCheck: boolean }
  | { action: "DescribeAddresses"; allocationId?: string; publicIp?: string }
  | { action: "AssociateAddress"; allocationId: string; networkInterfaceId: string; privateIp?: string; onlyIfFree?: boolean }
  | { action: "DisassociateAddress"; associationId: string }
  | { action: "DescribeRouteTables"; routeTableIds?: readonly string[] }
  | { action: "ReplaceRoute"; routeTableId: string; cidr: string; networkInterfaceId: string }
  | { action: "CreateRoute"; routeTableId: string; cidr: string; networkInterfaceId: string }
  | { action: "DeleteRoute"; routeTableId: string; cidr: string }
  | { action: "DescribeVolumes"; volumeId?: string }
  | { action: "AttachVolume"; volumeId: string; instanceId: string; device: string }
  | { action: "DetachVolume"; volumeId: string; instanceId: string; force?: boolean }
  | { action: "DescribeInstances"; instanceId?: string }
  | { action: "StopInstances"; instanceId: string }
  | { action: "StartInstances"; instanceId: string }
  | { action: "AttachNetworkInterface"; networkInterfaceId: string; instanceId: string; deviceIndex: number }
  | { action: "DetachNetworkInterface"; attachmentId: string; force?: boolean };

type RequestOf<A extends Ec2Request["action"]> = Extract<Ec2Request, { action: A }>;

// Only a DryRun carries the flag at all: the real requests stay exactly what EC2 documents.
const dry = (dryRun: boolean) => (dryRun ? { DryRun: true } : {});

/** EC2 takes an IPv6 destination in its own parameter; DestinationCidrBlock is IPv4 only. */
const destination = (cidr: string) => (cidr.includes(":") ? { DestinationIpv6CidrBlock: cidr } : { DestinationCidrBlock: cidr });

const builders = {
  DescribeNetworkInterfaces: (r: RequestOf<"DescribeNetworkInterfaces">, dryRun: boolean) =>
    new DescribeNetworkInterfacesCommand({
      ...dry(dryRun),
      ...(r.networkInterfaceId !== undefined ? { NetworkInterfaceIds: [r.networkInterfaceId] } : {}),
      ...(r.privateIp !== undefined ? { Filters: [{ Name: "addresses.private-ip-address", Values: [r.privateIp] }] } : {}),
      ...(r.ipv6Address !== undefined ? { Filters: [{ Name: "ipv6-addresses.ipv6-address", Values: [r.ipv6Address] }] } : {}),
    }),
  // No DryRun for the IPv6 pair either (the API reference lists none), and no reassignment: an
  // address on another ENI is refused, so acquire unassigns it there first.
  AssignIpv6Addresses: (r: RequestOf<"AssignIpv6Addresses">) =>
    new AssignIpv6AddressesCommand({ NetworkInterfaceId: r.networkInterfaceId, Ipv6Addresses: [r.ipv6Address] }),
  UnassignIpv6Addresses: (r: RequestOf<"UnassignIpv6Addresses">) =>
    new UnassignIpv6AddressesCommand({ NetworkInterfaceId: r.networkInterfaceId, Ipv6Addresses: [r.ipv6Address] }),
  // EC2 has no DryRun for Assign/Unassign (which is why DryRunAction leaves them out).
  AssignPrivateIpAddresses: (r: RequestOf<"AssignPrivateIpAddresses">) =>
    // With AllowReassignment the address moves from whichever ENI had it.
    new AssignPrivateIpAddressesCommand({
      NetworkInterfaceId: r.networkInterfaceId,
      PrivateIpAddresses: [r.privateIp],
      AllowReassignment: true,
    }),
  UnassignPrivateIpAddresses: (r: RequestOf<"UnassignPrivateIpAddresses">) =>
    new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: r.networkInterfaceId, PrivateIpAddresses: [r.privateIp] }),
  ModifyNetworkInterfaceAttribute: (r: RequestOf<"ModifyNetworkInterfaceAttribute">, dryRun: boolean) =>
    new ModifyNetworkInterfaceAttributeCommand({
      ...dry(dryRun),
      NetworkInterfaceId: r.networkInterfaceId,
      SourceDestCheck: { Value: r.sourceDestCheck },
    }),

  DescribeAddresses: (r: RequestOf<"DescribeAddresses">, dryRun: boolean) =>
    new DescribeAddressesCommand({
      ...dry(dryRun),
      ...(r.allocationId !== undefined ? { AllocationIds: [r.allocationId] } : {}),
      ...(r.publicIp !== undefined ? { PublicIps: [r.publicIp] } : {}),
    }),
  // With AllowReassociation the address moves from whichever ENI had it; `onlyIfFree` turns it off,
  // so that EC2 refuses (Resource.AlreadyAssociated) an address associated anywhere.
  AssociateAddress: (r: RequestOf<"AssociateAddress">, dryRun: boolean) =>
    new AssociateAddressCommand({
      ...dry(dryRun),
      AllocationId: r.allocationId,
      NetworkInterfaceId: r.networkInterfaceId,
      PrivateIpAddress: r.privateIp,
      AllowReassociation: r.onlyIfFree !== true,
    }),
  DisassociateAddress: (r: RequestOf<"DisassociateAddress">, dryRun: boolean) =>
    new DisassociateAddressCommand({ ...dry(dryRun), AssociationId: r.associationId }),

  DescribeRouteTables: (r: RequestOf<"DescribeRouteTables">, dryRun: boolean) =>
    new DescribeRouteTablesCommand({ ...dry(dryRun), ...(r.routeTableIds !== undefined ? { RouteTableIds: [...r.routeTableIds] } : {}) }),
  ReplaceRoute: (r: RequestOf<"ReplaceRoute">, dryRun: boolean) =>
    new ReplaceRouteCommand({
      ...dry(dryRun),
      RouteTableId: r.routeTableId,
      ...destination(r.cidr),
      NetworkInterfaceId: r.networkInterfaceId,
    }),
  CreateRoute: (r: RequestOf<"CreateRoute">, dryRun: boolean) =>
    new CreateRouteCommand({
      ...dry(dryRun),
      RouteTableId: r.routeTableId,
      ...destination(r.cidr),
      NetworkInterfaceId: r.networkInterfaceId,
    }),
  DeleteRoute: (r: RequestOf<"DeleteRoute">, dryRun: boolean) =>
    new DeleteRouteCommand({ ...dry(dryRun), RouteTableId: r.routeTableId, ...destination(r.cidr) }),

  DescribeVolumes: (r: RequestOf<"DescribeVolumes">, dryRun: boolean) =>
    new DescribeVolumesCommand({ ...dry(dryRun), ...(r.volumeId !== undefined ? { VolumeIds: [r.volumeId] } : {}) }),
  AttachVolume: (r: RequestOf<"AttachVolume">, dryRun: boolean) =>
    new AttachVolumeCommand({ ...dry(dryRun), VolumeId: r.volumeId, InstanceId: r.instanceId, Device: r.device }),
  DetachVolume: (r: RequestOf<"DetachVolume">, dryRun: boolean) =>
    new DetachVolumeCommand({ ...dry(dryRun), VolumeId: r.volumeId, InstanceId: r.instanceId, ...(r.force ? { Force: true } : {}) }),

  DescribeInstances: (r: RequestOf<"DescribeInstances">, dryRun: boolean) =>
    new DescribeInstancesCommand({ ...dry(dryRun), ...(r.instanceId !== undefined ? { InstanceIds: [r.instanceId] } : {}) }),
  // A fence must be quick and sure: no graceful OS shutdown that a hung peer may never finish.
  StopInstances: (r: RequestOf<"StopInstances">, dryRun: boolean) =>
    new StopInstancesCommand({ ...dry(dryRun), InstanceIds: [r.instanceId], Force: true, SkipOsShutdown: true }),
  StartInstances: (r: RequestOf<"StartInstances">, dryRun: boolean) =>
    new StartInstancesCommand({ ...dry(dryRun), InstanceIds: [r.instanceId] }),

  AttachNetworkInterface: (r: RequestOf<"AttachNetworkInterface">, dryRun: boolean) =>
    new AttachNetworkInterfaceCommand({
      ...dry(dryRun),
      NetworkInterfaceId: r.networkInterfaceId,
      InstanceId: r.instanceId,
      DeviceIndex: r.deviceIndex,
    }),
  // Force only from a fenced peer: EC2 calls it a last resort for a failed instance.
  DetachNetworkInterface: (r: RequestOf<"DetachNetworkInterface">, dryRun: boolean) =>
    new DetachNetworkInterfaceCommand({ ...dry(dryRun), AttachmentId: r.attachmentId, ...(r.force ? { Force: true } : {}) }),
} satisfies { [A in Ec2Request["action"]]: (request: RequestOf<A>, dryRun: boolean) => unknown };

type Ec2Command<A extends Ec2Request["action"]> = ReturnType<(typeof builders)[A]>;

/** The SDK command for `request`, as the real call sends it. */
export function ec2Command<R extends Ec2Request>(request: R): Ec2Command<R["action"]> {
  return build(request, false);
}

/** The actions EC2 offers a DryRun for: those whose builder takes the flag. */
type DryRunnable = {
  [A in Ec2Request["action"]]: Parameters<(typeof builders)[A]> extends [unknown, boolean] ? A : never;
}[Ec2Request["action"]];

/**
 * The same command with DryRun set: what `check` sends to prove the permission for it. A
 * DryRunAction for an action without DryRun would not compile here, rather than be sent for real.
 */
export function dryRunCommand(request: Extract<DryRunAction, { action: DryRunnable }>): Ec2Command<DryRunAction["action"]> {
  return build(request, true);
}

function build<R extends Ec2Request>(request: R, dryRun: boolean): Ec2Command<R["action"]> {
  // TypeScript cannot relate the action to its builder's parameter through the union; the table's
  // `satisfies` above is what holds each builder to its own request.
  const builder = builders[request.action] as (request: Ec2Request, dryRun: boolean) => unknown;
  return builder(request, dryRun) as Ec2Command<R["action"]>;
}

/** What EC2 answers to a request with `action`, as the SDK reads it. */
export type Ec2Answer<A extends Ec2Request["action"]> =
  Ec2Command<A> extends { resolveMiddleware(...args: never[]): (...args: never[]) => Promise<{ output: infer O }> } ? O : never;
