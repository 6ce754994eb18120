// The plain-object description a world is built from (also the JSON file the standalone server
// reads). Ids and addresses are the caller's; anything left out gets EC2's usual default.

export type InstanceStateName = "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated";
export type VolumeStateName = "creating" | "available" | "in-use" | "deleting" | "deleted" | "error";
export type AttachmentStateName = "attaching" | "attached" | "detaching" | "detached" | "busy";

export interface SubnetSpec {
  subnetId: string;
  vpcId?: string;
  cidr: string;
  availabilityZone: string;
  /** The subnet's IPv6 block (a /64); without it the subnet takes no IPv6 address. */
  ipv6Cidr?: string;
}

export interface InstanceSpec {
  instanceId: string;
  /** Defaults to the AZ of the instance's primary interface's subnet. */
  availabilityZone?: string;
  state?: InstanceStateName;
}

export interface InterfaceSpec {
  networkInterfaceId: string;
  subnetId: string;
  /** Primary first. */
  privateIps: string[];
  sourceDestCheck?: boolean;
  /** The instance it is attached to; unattached when absent. */
  instanceId?: string;
  /** 0 is the instance's primary interface; defaults to the order of appearance per instance. */
  deviceIndex?: number;
  macAddress?: string;
  /** How many private addresses the interface can carry (instance-type limit). */
  maxPrivateIps?: number;
  /** IPv6 addresses of the subnet's IPv6 block. */
  ipv6Addresses?: string[];
}

export interface AddressSpec {
  allocationId: string;
  publicIp: string;
  /** Associated when both are given. */
  networkInterfaceId?: string;
  privateIp?: string;
  associationId?: string;
}

export interface RouteSpec {
  destinationCidrBlock: string;
  networkInterfaceId?: string;
  gatewayId?: string;
}

export interface RouteTableSpec {
  routeTableId: string;
  vpcId?: string;
  routes?: RouteSpec[];
}

export interface VolumeSpec {
  volumeId: string;
  availabilityZone: string;
  size?: number;
  attachments?: { instanceId: string; device: string }[];
  /**
   * The OS of the instance it is attached to still uses it (mounted, or the peer is hung), so a
   * detach without Force never completes while that instance runs.
   */
  stuckUntilForce?: boolean;
}

export interface Timing {
  /** attaching → attached */
  attachMs: number;
  /** detaching → detached */
  detachMs: number;
  /** stopping → stopped */
  stopMs: number;
  /** pending → running */
  startMs: number;
}

/**
 * When EC2 judges a request's own content (an action's `validate`) relative to the IAM decision.
 * Either way it comes before the DryRun answer. EC2 documents no order; "before-permission", the
 * default, is the harder one for a permission check: a denial then hides behind a refused request.
 */
export type RequestChecks = "before-permission" | "after-permission";

export interface WorldSpec {
  region?: string;
  accountId?: string;
  subnets: SubnetSpec[];
  instances: InstanceSpec[];
  interfaces: InterfaceSpec[];
  addresses?: AddressSpec[];
  routeTables?: RouteTableSpec[];
  volumes?: VolumeSpec[];
  timing?: Partial<Timing>;
  requestChecks?: RequestChecks;
}

export const defaultTiming: Timing = { attachMs: 150, detachMs: 150, stopMs: 300, startMs: 300 };
