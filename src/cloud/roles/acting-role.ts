import type { ClusterDescription, ResourceSpec } from "../../cluster/schema";

// Which credentials act for each resource: a role named on the resource, else the cluster's
// assumeRole, else the node's own. Read by the transition (which port a resource gets), `check`
// (which role each probe goes through) and the IAM generator (which policy grants what), so the
// three agree on who acts.

/** A role to assume, as the description names it. */
export interface AssumedRole {
  roleArn: string;
  externalId?: string;
}

/** The kinds that call AWS: only they act as a role (a hook or a service runs on this machine). */
const callsAws: ReadonlySet<ResourceSpec["kind"]> = new Set(["vip", "eip", "route", "volume", "eni", "record"]);

/** The role `spec` acts as, or undefined for the node's own credentials. The resource's pair replaces the cluster's whole. */
export function actingRoleOf(d: ClusterDescription, spec: ResourceSpec): AssumedRole | undefined {
  if (!callsAws.has(spec.kind)) return undefined;
  return ("assumeRole" in spec ? spec.assumeRole : undefined) ?? d.assumeRole;
}

/** Every role the description's resources act as, each once, in the order they first appear. */
export function rolesNamed(d: ClusterDescription): AssumedRole[] {
  const byArn = new Map<string, AssumedRole>();
  for (const spec of d.resources) {
    const role = actingRoleOf(d, spec);
    if (role && !byArn.has(role.roleArn)) byArn.set(role.roleArn, role);
  }
  return [...byArn.values()];
}

/** The service a role acts in for a resource: Route53 for a record, EC2 for every other kind. */
export type RoleService = "ec2" | "route53";

export function serviceActedIn(kind: ResourceSpec["kind"]): RoleService {
  return kind === "record" ? "route53" : "ec2";
}

/**
 * The description split by who acts: first the node's own credentials (with the resources that act
 * as no role), then, per role, its EC2 resources and its records (a record in a DNS account's zone
 * reads the nodes' Elastic IPs with the nodes' own credentials; only its Route53 calls are the
 * role's). Each part is a whole description, so what reads one (the permission tables, the
 * preflight checks) reads a part alike.
 */
export function partsByRole(d: ClusterDescription): { role?: AssumedRole; service?: RoleService; description: ClusterDescription }[] {
  const own = { description: { ...d, resources: d.resources.filter((r) => !actingRoleOf(d, r)) } };
  return [
    own,
    ...rolesNamed(d).flatMap((role) =>
      (["ec2", "route53"] as const).flatMap((service) => {
        const resources = d.resources.filter((r) => actingRoleOf(d, r)?.roleArn === role.roleArn && serviceActedIn(r.kind) === service);
        return resources.length > 0 ? [{ role, service, description: { ...d, resources } }] : [];
      }),
    ),
  ];
}

/** The 12-digit account a role ARN names. */
export function accountOf(roleArn: string): string {
  return roleArn.split(":")[4]!;
}

/** The partition a role ARN names: aws, aws-cn or aws-us-gov. */
export function partitionOf(roleArn: string): string {
  return roleArn.split(":")[1]!;
}

/**
 * The name STS records for our sessions (CloudTrail shows it beside every call the role makes):
 * aws-ha- and the node's name, within STS's 64 characters of [\w+=,.@-].
 */
export function sessionNameFor(nodeName: string): string {
  return `aws-ha-${nodeName}`.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
}
