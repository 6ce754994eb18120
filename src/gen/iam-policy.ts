import type { ClusterDescription } from "../cluster/schema";

// The least-privilege policy for the nodes' instance role: read actions on "*" (EC2's Describe
// calls support no resource-level permissions), and each mutating action only on the resources the
// description names, and only for the kinds it uses.

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
  const has = (kind: string) => d.resources.some((r) => r.kind === kind);
  const ids = <K extends string>(kind: string, key: K) =>
    d.resources.flatMap((r) => (r.kind === kind ? (r as unknown as Record<K, string | string[]>)[key] : []));
  // Without every ENI id the policy cannot name them; IMDS tells the nodes theirs at run time.
  const eniArns = d.nodes.every((n) => n.networkInterfaceId)
    ? d.nodes.map((n) => arn("network-interface", n.networkInterfaceId!))
    : [arn("network-interface", "*")];
  const instanceArns = d.nodes.map((n) => arn("instance", n.instanceId));
  const ec2 = (...actions: string[]) => actions.map((a) => `ec2:${a}`);

  const read = ["DescribeNetworkInterfaces", "DescribeInstances"];
  if (has("eip")) read.push("DescribeAddresses");
  if (has("route")) read.push("DescribeRouteTables");
  if (has("volume")) read.push("DescribeVolumes");
  const statements: PolicyStatement[] = [{ Sid: "ReadClusterState", Effect: "Allow", Action: ec2(...read.sort()), Resource: "*" }];

  if (has("vip"))
    statements.push({
      Sid: "MoveVirtualIps",
      Effect: "Allow",
      Action: ec2("AssignPrivateIpAddresses", "UnassignPrivateIpAddresses"),
      Resource: eniArns,
    });
  if (has("eip"))
    statements.push({
      Sid: "MoveElasticIps",
      Effect: "Allow",
      Action: ec2("AssociateAddress", "DisassociateAddress"),
      Resource: [...unique(ids("eip", "allocationId")).map((a) => arn("elastic-ip", a)), ...eniArns],
    });
  if (has("route")) {
    statements.push({
      Sid: "MoveOverlayRoutes",
      Effect: "Allow",
      Action: ec2("CreateRoute", "ReplaceRoute", "DeleteRoute"),
      Resource: unique(ids("route", "routeTables")).map((t) => arn("route-table", t)),
    });
    // An overlay IP only reaches a node whose ENI has the source/destination check off.
    statements.push({ Sid: "DisableSourceDestCheck", Effect: "Allow", Action: ec2("ModifyNetworkInterfaceAttribute"), Resource: eniArns });
  }
  if (has("volume"))
    statements.push({
      Sid: "MoveVolumes",
      Effect: "Allow",
      Action: ec2("AttachVolume", "DetachVolume"),
      Resource: [...unique(ids("volume", "volumeId")).map((v) => arn("volume", v)), ...instanceArns],
    });
  if (d.fencing.enabled) statements.push({ Sid: "FencePeers", Effect: "Allow", Action: ec2("StopInstances"), Resource: instanceArns });
  return { Version: "2012-10-17", Statement: statements };
}

export function renderIamPolicy(d: ClusterDescription, options: IamPolicyOptions = {}): string {
  return `${JSON.stringify(buildIamPolicy(d, options), null, 2)}\n`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
