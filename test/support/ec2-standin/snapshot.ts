import type { AttachmentStateName, InstanceStateName, VolumeStateName } from "./world-spec";

// The world as JSON: what GET /_standin/world returns and what an out-of-process IMDS stand-in
// reads. Plain data only, so it survives JSON.stringify unchanged.

export interface WorldSnapshot {
  region: string;
  accountId: string;
  subnets: { subnetId: string; vpcId: string; cidr: string; availabilityZone: string; ipv6Cidr?: string | undefined }[];
  instances: { instanceId: string; availabilityZone: string; state: InstanceStateName }[];
  interfaces: {
    networkInterfaceId: string;
    subnetId: string;
    /** Primary first. */
    privateIps: string[];
    sourceDestCheck: boolean;
    instanceId?: string | undefined;
    deviceIndex: number;
    macAddress: string;
    ipv6Addresses: string[];
    /** While attached to an instance: `attaching`, `attached` or `detaching` (a whole ENI in flight). */
    attachmentState?: "attaching" | "attached" | "detaching" | undefined;
  }[];
  addresses: {
    allocationId: string;
    publicIp: string;
    associationId?: string | undefined;
    networkInterfaceId?: string | undefined;
    privateIp?: string | undefined;
    instanceId?: string | undefined;
  }[];
  routeTables: {
    routeTableId: string;
    vpcId: string;
    routes: {
      destinationCidrBlock: string;
      networkInterfaceId?: string;
      gatewayId?: string;
      origin: string;
      state: "active" | "blackhole";
    }[];
  }[];
  volumes: {
    volumeId: string;
    availabilityZone: string;
    state: VolumeStateName;
    stuckUntilForce: boolean;
    attachments: { instanceId: string; device: string; state: AttachmentStateName }[];
  }[];
}
