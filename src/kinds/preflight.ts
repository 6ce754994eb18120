import type { Ec2, InterfaceView } from "../cloud/ec2-port";
import type { Identity, Imds } from "../cloud/identity";
import type { Route53 } from "../cloud/route53-port";
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
  /** Finds the ENI behind a MAC, for resources on another interface of the node. */
  imds?: Pick<Imds, "interfaceIdOf">;
  ec2: Ec2;
  /** Route53, for records; present when the description has any. */
  route53?: Route53;
  host: Host;
}
