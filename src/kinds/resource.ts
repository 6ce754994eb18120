import type { ClusterDescription, ClusterNode, ResourceKind } from "../cluster/schema";
import type { Ec2 } from "../cloud/ec2-port";
import type { Route53 } from "../cloud/route53-port";
import type { Host } from "../host/host-port";
import type { Identity, Imds } from "../cloud/identity";
import type { Logger } from "../log";
import type { Deadline } from "../time/deadline";
import type { Observations } from "./observations";
import type { AssumedRole } from "../cloud/roles/acting-role";

/** Who holds a resource now, as EC2 and this machine see it. */
export interface Holding {
  /** Held by this node. */
  held: boolean;
  /**
   * Not held, yet some part of it is here (an attachment without its mount, a local address EC2 has
   * moved elsewhere): acquire completes it, and release has something to undo.
   */
  partial?: boolean;
  /** Instance id of the holder when someone holds it; an ENI id where EC2 names only the ENI (routes). */
  holder?: string;
  /** One line for `show` and the logs, e.g. "10.0.1.100 on eni-0abc (i-0peer)". */
  detail: string;
}

export type Outcome = "changed" | "unchanged";

/** Everything a resource may touch during a transition. */
export interface TransitionContext {
  description: ClusterDescription;
  self: ClusterNode;
  identity: Identity;
  /** The ENI that carries this node's cluster interface. */
  networkInterfaceId: string;
  /** Finds the ENI behind a MAC, for a resource on another interface of the node (see node-nic.ts). */
  imds?: Pick<Imds, "interfaceIdOf">;
  ec2: Ec2;
  /** Route53, for records; present when the description has any. */
  route53?: Route53;
  host: Host;
  log: Logger;
  deadline: Deadline;
  /** What this transition's confirmations read after its changes (absent where nothing changes, e.g. inspect-only). */
  seen?: Observations;
  /** The ports that act as a role (src/kinds/acting-role.ts); present when the description names roles. */
  asRole?: (role: AssumedRole) => Pick<TransitionContext, "ec2" | "route53">;
}

/**
 * One kind of thing that moves between nodes. inspect never changes anything; acquire and release
 * are idempotent: called when nothing needs doing, they make no mutating call and return "unchanged".
 * release gives up only what this node still holds.
 */
export interface Resource {
  readonly name: string;
  readonly kind: ResourceKind;
  /** Names of resources that must be acquired before this one (and released after it). */
  readonly dependsOn: readonly string[];
  /**
   * False for what holds nothing that can be inspected (hooks): it runs on every transition and has
   * no place in a held/stopped answer.
   */
  readonly inspectable: boolean;
  inspect(ctx: TransitionContext): Promise<Holding>;
  acquire(ctx: TransitionContext, before: Holding): Promise<Outcome>;
  release(ctx: TransitionContext, before: Holding): Promise<Outcome>;
  /**
   * What a changed action moved, in a few words for the transition's closing line, e.g.
   * "eip 203.0.113.7 → 10.0.1.100" or "volume data unmounted and detached". `before` is what inspect
   * saw; the caller adds where it came from.
   */
  summary(action: "acquire" | "release", before: Holding): string;
  /** The ARN of the role it acts as, when not the node's own credentials: each step's log line names it. */
  readonly role?: string;
}
