import type { ClusterDescription } from "../cluster/schema";
import { actionOf, iamActionOf, isRead, type PolicyScope } from "../kinds/permission-table";
import { permissionsNeededBy } from "../kinds/registry";
import { unique } from "../kinds/unique";
import { accountOf, partitionOf, partsByRole, rolesNamed, type RoleService } from "../cloud/roles/acting-role";

// The least-privilege policy for the nodes' instance role: read actions on "*" (EC2's Describe
// calls support no resource-level permissions), and each mutating action only on the resources the
// description names, and only for the kinds it uses. What each kind needs is its permission table.

export interface IamPolicyOptions {
  /** Region in the ARNs (default: the description's region, else "*"). */
  region?: string;
  /** Account id in the ARNs (default "*"). */
  account?: string;
}

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
}

export interface IamPolicy {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/**
 * The nodes' policy. With roles in the description, what those roles do is not in it: it grants
 * sts:AssumeRole on exactly the roles named instead, and each role gets its own (buildRolePolicies).
 */
export function buildIamPolicy(d: ClusterDescription, options: IamPolicyOptions = {}): IamPolicy {
  const roles = rolesNamed(d);
  if (roles.length === 0) return policyFor(d, [{ description: d, services: everyService }], options);
  // The nodes keep what acts as no role, and the EC2 reads of a role's records (the Elastic IP a
  // record points at is read with the nodes' own credentials).
  const grants = partsByRole(d).flatMap(({ role, service, description }): Grant[] =>
    !role ? [{ description, services: everyService }] : service === "route53" ? [{ description, services: new Set(["ec2"]) }] : [],
  );
  const own = policyFor(d, grants, options);
  own.Statement.push({ Sid: "AssumeResourceRoles", Effect: "Allow", Action: ["sts:AssumeRole"], Resource: roles.map((r) => r.roleArn) });
  return own;
}

/** What one role the description names must allow, and whom it must trust. */
export interface RolePolicy {
  roleArn: string;
  /** The role's permissions policy: what the resources acting as it do, in the role's account. */
  permissions: IamPolicy;
  /** The role's trust policy: the nodes' account may assume it, with the external id when one is set. */
  trust: TrustPolicy;
}

export interface TrustPolicy {
  Version: "2012-10-17";
  Statement: {
    Sid: string;
    Effect: "Allow";
    Principal: { AWS: string };
    Action: "sts:AssumeRole";
    Condition?: { StringEquals: { "sts:ExternalId": string } };
  }[];
}

/**
 * Written where the nodes' account is not known (no --account): IAM refuses the policy until it is
 * replaced, rather than trusting an account nobody chose.
 */
export const nodesAccountPlaceholder = "NODES-ACCOUNT-ID";

/** One entry per role the description names, in the order the resources name them. */
export function buildRolePolicies(d: ClusterDescription, options: IamPolicyOptions = {}): RolePolicy[] {
  return rolesNamed(d).map((role) => {
    const partition = partitionOf(role.roleArn);
    const grants = partsByRole(d).flatMap(({ role: actingAs, service, description }): Grant[] =>
      actingAs?.roleArn === role.roleArn ? [{ description, services: new Set([service!]) }] : [],
    );
    const permissions = policyFor(d, grants, {
      ...options,
      partition,
      // The role's resources (route tables, Elastic IPs, volumes) are in its own account; the
      // nodes' instances and ENIs, which some actions also name, are in the nodes' account.
      resourceAccount: accountOf(role.roleArn),
    });
    const trust: TrustPolicy = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AwsHaNodes",
          Effect: "Allow",
          Principal: { AWS: `arn:${partition}:iam::${options.account ?? nodesAccountPlaceholder}:root` },
          Action: "sts:AssumeRole",
          ...(role.externalId !== undefined ? { Condition: { StringEquals: { "sts:ExternalId": role.externalId } } } : {}),
        },
      ],
    };
    return { roleArn: role.roleArn, permissions, trust };
  });
}

/** The file names `aws-ha-gen all` gives a role's two policies: roles/ACCOUNT-NAME.policy.json and .trust.json. */
export function rolePolicyFileStem(roleArn: string): string {
  return `${accountOf(roleArn)}-${roleArn.slice(roleArn.lastIndexOf("/") + 1)}`;
}

/** Part of a description whose permissions one policy grants, and in which services (a role's records: Route53 only). */
interface Grant {
  description: ClusterDescription;
  services: ReadonlySet<RoleService>;
}

const everyService: ReadonlySet<RoleService> = new Set(["ec2", "route53"]);

function policyFor(
  d: ClusterDescription,
  grants: readonly Grant[],
  options: IamPolicyOptions & { partition?: string; resourceAccount?: string },
): IamPolicy {
  const partition = options.partition ?? "aws";
  const arnIn = (account: string | undefined) => (type: string, id: string) =>
    `arn:${partition}:ec2:${options.region ?? d.region ?? "*"}:${account ?? "*"}:${type}/${id}`;
  const arn = arnIn(options.resourceAccount ?? options.account);
  const nodesArn = arnIn(options.account);
  const policy: PolicyScope = {
    arn,
    // Without every ENI id (of every interface the nodes list) the policy cannot name them; IMDS
    // tells the nodes theirs at run time.
    eniArns: d.nodes.every((n) => n.interfaces.every((i) => i.networkInterfaceId))
      ? d.nodes.flatMap((n) => n.interfaces.map((i) => nodesArn("network-interface", i.networkInterfaceId!)))
      : [nodesArn("network-interface", "*")],
    instanceArns: d.nodes.map((n) => nodesArn("instance", n.instanceId)),
  };
  const needed = grants.map((g) => ({ services: g.services, tables: permissionsNeededBy(g.description) }));

  // Reads are EC2's: granted where EC2 is.
  const reads = unique(
    needed.flatMap(({ services, tables }) =>
      services.has("ec2") ? tables.flatMap(({ table }) => table.rows.filter(isRead).map(actionOf)) : [],
    ),
  ).sort();
  const statements: PolicyStatement[] =
    reads.length > 0 ? [{ Sid: "ReadClusterState", Effect: "Allow", Action: reads.map(ec2), Resource: "*" }] : [];
  for (const { services, tables } of needed)
    for (const { table, subjects } of tables)
      for (const row of table.rows) {
        if (isRead(row) || !services.has(row.service ?? "ec2")) continue;
        const resources = row.resources(subjects, policy);
        // A row that names nothing (an IPv6 action for a description with IPv4 VIPs only) grants nothing.
        if (resources.length === 0) continue;
        const shared = statements.find((s) => s.Sid === row.statement);
        if (!shared) statements.push({ Sid: row.statement, Effect: "Allow", Action: [iamActionOf(row)], Resource: resources });
        else {
          if (!shared.Action.includes(iamActionOf(row))) shared.Action.push(iamActionOf(row));
          const named = shared.Resource as string[];
          named.push(...resources.filter((r) => !named.includes(r)));
        }
      }
  return { Version: "2012-10-17", Statement: statements };
}

export function renderIamPolicy(d: ClusterDescription, options: IamPolicyOptions = {}): string {
  return `${JSON.stringify(buildIamPolicy(d, options), null, 2)}\n`;
}

const ec2 = (action: string) => `ec2:${action}`;
