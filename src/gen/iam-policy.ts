import type { ClusterDescription } from "../cluster/schema";
import { actionOf, iamActionOf, isRead, type PolicyScope } from "../kinds/permission-table";
import { permissionsNeededBy } from "../kinds/registry";
import { unique } from "../kinds/unique";

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

export function buildIamPolicy(d: ClusterDescription, options: IamPolicyOptions = {}): IamPolicy {
  const arn = (type: string, id: string) => `arn:aws:ec2:${options.region ?? d.region ?? "*"}:${options.account ?? "*"}:${type}/${id}`;
  const policy: PolicyScope = {
    arn,
    // Without every ENI id (of every interface the nodes list) the policy cannot name them; IMDS
    // tells the nodes theirs at run time.
    eniArns: d.nodes.every((n) => n.interfaces.every((i) => i.networkInterfaceId))
      ? d.nodes.flatMap((n) => n.interfaces.map((i) => arn("network-interface", i.networkInterfaceId!)))
      : [arn("network-interface", "*")],
    instanceArns: d.nodes.map((n) => arn("instance", n.instanceId)),
  };
  const needed = permissionsNeededBy(d);

  const reads = unique(needed.flatMap(({ table }) => table.rows.filter(isRead).map(actionOf))).sort();
  const statements: PolicyStatement[] = [{ Sid: "ReadClusterState", Effect: "Allow", Action: reads.map(ec2), Resource: "*" }];
  for (const { table, subjects } of needed)
    for (const row of table.rows) {
      if (isRead(row)) continue;
      const resources = row.resources(subjects, policy);
      // A row that names nothing (an IPv6 action for a description with IPv4 VIPs only) grants nothing.
      if (resources.length === 0) continue;
      const shared = statements.find((s) => s.Sid === row.statement);
      if (!shared) statements.push({ Sid: row.statement, Effect: "Allow", Action: [iamActionOf(row)], Resource: resources });
      else {
        shared.Action.push(iamActionOf(row));
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
