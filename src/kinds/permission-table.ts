import type { DryRunAction, Ec2, Refusal } from "../cloud/ec2-port";
import type { ClusterDescription, ClusterNode } from "../cluster/schema";
import type { Finding } from "./finding";

// What a node's role must allow, written once per kind (src/kinds/<kind>/permissions.ts) and read
// twice: `aws-ha-gen iam-policy` grants each row, `aws-ha-notify check` proves each row's probes.
// One table for both is what keeps the policy, the check and the code from drifting apart (the
// kind contract suite holds every EC2 action a kind sends to its table).

/** Describe calls: EC2 has no resource-level permissions for them, so they are granted on "*". */
export type ReadAction = Extract<DryRunAction, { action: `Describe${string}` }>["action"];

/** How the policy names EC2 resources, for the region and account it is written for. */
export interface PolicyScope {
  arn(type: string, id: string): string;
  /** Every node's ENI; all ENIs where a node's is not in the description (IMDS tells it at run time). */
  eniArns: string[];
  instanceArns: string[];
}

/** What the probes need to know about this node. */
export interface ProbeScope {
  description: ClusterDescription;
  self: ClusterNode;
  /** This instance, from IMDS. */
  instanceId: string;
  /** The ENI this node's resources move to. */
  eni: string;
}

/** The calls a probe may send: DryRuns, and the VIP's harmless unassignment in either family. */
export type ProbePort = Pick<Ec2, "dryRun" | "unassignPrivateIp" | "unassignIpv6">;

/** One DryRun that proves a permission. */
export interface Probe {
  /** What the line is about: "AttachVolume data". */
  topic: string;
  request: DryRunAction;
  /**
   * EC2 refused the request itself (an id it does not know, a route not there yet), which proves
   * nothing: the findings of the call the first acquire will really send instead, if it differs.
   */
  whenRefused?(refusal: Refusal, ec2: ProbePort): Promise<Finding[] | undefined>;
}

/** A Describe action the kind reads with. */
interface ReadRow {
  read: ReadAction;
}

/** An action that changes something, granted only on the resources it names. */
interface ActionRow<S> {
  /** The IAM action, without "ec2:". */
  action: string;
  /** The service whose action it is, when not EC2: the policy prefixes the action with it. */
  service?: "route53";
  /** The policy statement's Sid; rows with one Sid share a statement (and name the same resources). */
  statement: string;
  resources(subjects: readonly S[], policy: PolicyScope): string[];
  /** The DryRuns that prove it for one subject, where EC2 has DryRun for it. */
  probes?(subject: S, scope: ProbeScope): Probe[];
}

// Methods rather than function properties: a table of one kind's specs stands in a list of all
// tables (PermissionTable<unknown>), and only ever gets back the subjects it picked itself.
export interface PermissionTable<S> {
  /** What in the description needs these permissions: a kind's resources, the peers when fencing is on. */
  subjects(d: ClusterDescription): readonly S[];
  rows: readonly (ReadRow | ActionRow<S>)[];
  /** Proof for actions EC2 has no DryRun for, over every subject at once. */
  prove?(ec2: ProbePort, subjects: readonly S[], scope: ProbeScope): Promise<Finding[]>;
}

export const isRead = <S>(row: ReadRow | ActionRow<S>): row is ReadRow => "read" in row;

/** The IAM action a row grants, as the call log and EC2's errors name it. */
export const actionOf = <S>(row: ReadRow | ActionRow<S>): string => (isRead(row) ? row.read : row.action);

/** The IAM action a row grants, with its service's prefix, as the policy names it: "ec2:AssignPrivateIpAddresses". */
export const iamActionOf = <S>(row: ReadRow | ActionRow<S>): string => `${isRead(row) ? "ec2" : (row.service ?? "ec2")}:${actionOf(row)}`;
