// The port through which resources talk to EC2. One method per question or change, in the
// vocabulary of the resources; the SDK adapter (ec2-sdk.ts) builds each request once (ec2-requests.ts)
// and maps EC2's error codes onto AwsHaError (ec2-errors.ts).

export interface InterfaceView {
  networkInterfaceId: string;
  subnetId: string;
  availabilityZone: string;
  /** Primary first. */
  privateIps: string[];
  sourceDestCheck: boolean;
  /** The ENI's IPv6 addresses (absent: none). */
  ipv6Addresses?: string[];
  /** The instance the ENI is attached to, if any. */
  instanceId?: string;
  /** The Elastic IPs associated with its private addresses, as EC2 lists them per address (absent: none). */
  associations?: PrivateAddressAssociation[];
}

/** An Elastic IP on one private address of an ENI. */
export interface PrivateAddressAssociation {
  privateIp: string;
  publicIp: string;
  allocationId?: string;
}

export interface AddressView {
  allocationId: string;
  publicIp: string;
  associationId?: string;
  networkInterfaceId?: string;
  privateIp?: string;
  instanceId?: string;
}

export interface RouteView {
  routeTableId: string;
  /** undefined: the table has no route for the CIDR. */
  networkInterfaceId?: string;
  exists: boolean;
  /** active or blackhole */
  state?: string;
}

export type VolumeState = "creating" | "available" | "in-use" | "deleting" | "deleted" | "error";
export type AttachmentState = "attaching" | "attached" | "detaching" | "detached" | "busy";

export interface VolumeView {
  volumeId: string;
  state: VolumeState;
  availabilityZone: string;
  attachments: { instanceId: string; state: AttachmentState; device: string }[];
}

/** A secondary ENI that moves whole between instances (kind `eni`). */
export interface EniView {
  networkInterfaceId: string;
  availabilityZone: string;
  /** How the ENI shows up on the instance it is attached to (lower case, colon-separated). */
  macAddress: string;
  /** Primary first. */
  privateIps: string[];
  /** EC2 lists the attachment from `attaching` until the detach has completed. */
  attachment?: { attachmentId: string; instanceId: string; deviceIndex: number; state: AttachmentState };
}

export type InstanceState = "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated";

export interface InstanceView {
  instanceId: string;
  state: InstanceState;
  availabilityZone: string;
}

/**
 * Actions whose permission `check` proves with DryRun (Assign/Unassign have no DryRun): each is sent
 * as the same request the real call makes, with DryRun set (ec2-requests.ts).
 */
export type DryRunAction =
  | { action: "AssociateAddress"; allocationId: string; networkInterfaceId: string; privateIp?: string }
  | { action: "DisassociateAddress"; associationId: string }
  | { action: "ReplaceRoute"; routeTableId: string; cidr: string; networkInterfaceId: string }
  | { action: "CreateRoute"; routeTableId: string; cidr: string; networkInterfaceId: string }
  | { action: "AttachVolume"; volumeId: string; instanceId: string; device: string }
  | { action: "DetachVolume"; volumeId: string; instanceId: string }
  | { action: "StopInstances"; instanceId: string }
  | { action: "StartInstances"; instanceId: string }
  | { action: "AttachNetworkInterface"; networkInterfaceId: string; instanceId: string; deviceIndex: number }
  | { action: "DetachNetworkInterface"; attachmentId: string; force?: boolean }
  | { action: "DescribeNetworkInterfaces" }
  | { action: "DescribeAddresses" }
  | { action: "DescribeVolumes" }
  | { action: "DescribeInstances" }
  | { action: "DescribeRouteTables" };

/**
 * EC2 refused a DryRun request itself — an id it does not know, a route that does not exist yet —
 * before (or instead of) answering the permission question: the permission is neither proven nor denied.
 */
export interface Refusal {
  /** EC2's error code, e.g. InvalidParameterValue, InvalidVolume.NotFound. */
  code: string;
  /** EC2's message. */
  message: string;
}

/** EC2's answer to a DryRun: DryRunOperation (allowed), UnauthorizedOperation (denied), or a refusal. */
export type Permission = "allowed" | "denied" | Refusal;

export interface Ec2 {
  describeInterface(networkInterfaceId: string): Promise<InterfaceView>;
  /** The ENI that carries `privateIp` as primary or secondary address, if any. */
  findInterfaceByPrivateIp(privateIp: string): Promise<InterfaceView | undefined>;
  /** With AllowReassignment: the address moves from whichever ENI had it. */
  assignPrivateIp(networkInterfaceId: string, privateIp: string): Promise<void>;
  /** An address that is no longer on the ENI counts as done. */
  unassignPrivateIp(networkInterfaceId: string, privateIp: string): Promise<void>;
  /** The ENI that carries the IPv6 address, if any. */
  findInterfaceByIpv6(ipv6Address: string): Promise<InterfaceView | undefined>;
  /** AssignIpv6Addresses: EC2 has no reassignment for IPv6, so an address on another ENI is refused (unassign it there first). */
  assignIpv6(networkInterfaceId: string, ipv6Address: string): Promise<void>;
  /** An address that is no longer on the ENI counts as done. */
  unassignIpv6(networkInterfaceId: string, ipv6Address: string): Promise<void>;

  describeAddress(allocationId: string): Promise<AddressView>;
  /** For callers that know only the public address (Heartbeat's aws-ha-updateeip::203.0.113.10). */
  describeAddressByPublicIp(publicIp: string): Promise<AddressView>;
  /** With AllowReassociation: returns the new association id. */
  associateAddress(allocationId: string, networkInterfaceId: string, privateIp: string): Promise<string>;
  /**
   * Without AllowReassociation: associates an address that is associated nowhere. true: associated;
   * false: EC2 found it associated (Resource.AlreadyAssociated), and left it where it is.
   */
  associateAddressIfFree(allocationId: string, networkInterfaceId: string, privateIp: string): Promise<boolean>;
  /**
   * DisassociateAddress only while the address still points at `networkInterfaceId`, checked again
   * before every attempt (see deleteRouteTo). true: disassociated; false: not ours (any more).
   */
  disassociateAddressFrom(allocationId: string, networkInterfaceId: string): Promise<boolean>;

  describeRoutes(routeTableIds: readonly string[], cidr: string): Promise<RouteView[]>;
  /** ReplaceRoute, or CreateRoute when the table has no route for the CIDR yet. */
  routeTo(routeTableId: string, cidr: string, networkInterfaceId: string): Promise<void>;
  /**
   * DeleteRoute only while the route still targets `networkInterfaceId`, checked again before every
   * attempt: EC2's DeleteRoute has no condition, and a retried delete could remove the route a peer
   * has just pointed at itself. true: deleted; false: not ours (any more) or gone.
   */
  deleteRouteTo(routeTableId: string, cidr: string, networkInterfaceId: string): Promise<boolean>;
  disableSourceDestCheck(networkInterfaceId: string): Promise<void>;

  describeVolume(volumeId: string): Promise<VolumeView>;
  attachVolume(volumeId: string, instanceId: string, device: string): Promise<void>;
  /** Detaching a volume that is already available counts as done. */
  detachVolume(volumeId: string, instanceId: string, force: boolean): Promise<void>;

  describeInstance(instanceId: string): Promise<InstanceView>;
  /** Fencing: StopInstances with Force (and SkipOsShutdown). */
  stopInstance(instanceId: string): Promise<void>;
  /** The fence agent's `on`: StartInstances (an instance already running or pending is left as it is). */
  startInstance(instanceId: string): Promise<void>;

  describeEni(networkInterfaceId: string): Promise<EniView>;
  /** AttachNetworkInterface; returns the attachment id. */
  attachEni(networkInterfaceId: string, instanceId: string, deviceIndex: number): Promise<string>;
  /**
   * DetachNetworkInterface only while the ENI is still attached to `instanceId` (and not detaching
   * already, unless `force`), read again before every attempt, like deleteRouteTo: the attachment
   * may be a peer's by now. true: a detach was sent; false: not attached there (any more).
   */
  detachEniFrom(networkInterfaceId: string, instanceId: string, force: boolean): Promise<boolean>;

  /** Other failures (throttling, the network, the service, rejected credentials) are thrown. */
  dryRun(request: DryRunAction): Promise<Permission>;
}
