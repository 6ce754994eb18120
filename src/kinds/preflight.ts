import type { Ec2, InterfaceView } from "../cloud/ec2-port";
import type { Identity } from "../cloud/identity";
import type { ClusterDescription, ClusterNode } from "../cluster/schema";
import type { Host } from "../host/host-port";

/** What a kind's preflight checks may look at: this node, as IMDS and the description name it, and read-only ports. */
export interface PreflightContext {
  description: ClusterDescription;
  self: ClusterNode;
  identity: Identity;
  /** The ENI this node's resources move to. */
  eni: string;
  /** That ENI as EC2 described it to the check, unless EC2 would not. */
  nic?: InterfaceView;
  ec2: Ec2;
  host: Host;
}
