import { familyOf, networkAddress } from "../../cluster/ip-addresses";
import type { Finding } from "../finding";
import { resourcesOf } from "../kind";
import { notAnswered, warn } from "../permission-answers";
import type { PermissionTable, ProbePort, ProbeScope } from "../permission-table";
import type { VipSpec } from "./schema";
import { vipPrefix } from "./spec";

// An IPv4 VIP moves by AssignPrivateIpAddresses (with AllowReassignment) and, with release set, goes
// by UnassignPrivateIpAddresses; an IPv6 VIP by UnassignIpv6Addresses on the ENI that holds it, then
// AssignIpv6Addresses on ours. All on the nodes' ENIs; inspect finds the holder with
// DescribeNetworkInterfaces. Each family's rows name resources only when the description has a VIP
// of that family, and a row naming none is left out of the policy.
const ofFamily = (vips: readonly VipSpec[], family: "ipv4" | "ipv6") => vips.some((v) => familyOf(v.address) === family);

export const vipPermissions: PermissionTable<VipSpec> = {
  subjects: (d) => resourcesOf(d, "vip"),
  rows: [
    { read: "DescribeNetworkInterfaces" },
    {
      action: "AssignPrivateIpAddresses",
      statement: "MoveVirtualIps",
      resources: (vips, policy) => (ofFamily(vips, "ipv4") ? policy.eniArns : []),
    },
    {
      action: "UnassignPrivateIpAddresses",
      statement: "MoveVirtualIps",
      resources: (vips, policy) => (ofFamily(vips, "ipv4") ? policy.eniArns : []),
    },
    {
      action: "AssignIpv6Addresses",
      statement: "MoveVirtualIps",
      resources: (vips, policy) => (ofFamily(vips, "ipv6") ? policy.eniArns : []),
    },
    {
      action: "UnassignIpv6Addresses",
      statement: "MoveVirtualIps",
      resources: (vips, policy) => (ofFamily(vips, "ipv6") ? policy.eniArns : []),
    },
  ],
  prove: proveVipActions,
};

/** The VIP's actions have no DryRun: a harmless unassignment can show a denial, never prove the permission. */
async function proveVipActions(ec2: ProbePort, vips: readonly VipSpec[], scope: ProbeScope): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const family of ["ipv4", "ipv6"] as const) {
    const ofThisFamily = vips.filter((v) => familyOf(v.address) === family);
    if (ofThisFamily.length > 0) findings.push(await proveFamily(ec2, family, ofThisFamily, scope));
  }
  return findings;
}

const actionsOf = {
  ipv4: { assign: "AssignPrivateIpAddresses", unassign: "UnassignPrivateIpAddresses" },
  ipv6: { assign: "AssignIpv6Addresses", unassign: "UnassignIpv6Addresses" },
} as const;

async function proveFamily(ec2: ProbePort, family: "ipv4" | "ipv6", vips: readonly VipSpec[], { eni }: ProbeScope): Promise<Finding> {
  const { assign, unassign } = actionsOf[family];
  const topic = `${unassign} ${vips.map((v) => v.name).join(",")}`;
  // The subnet's network address (the description keeps the VIPs in their nodes' subnet) is
  // reserved by EC2 in both families and never on an ENI, so unassigning it can remove nothing.
  const network = networkAddress(vips[0]!.address, vipPrefix(vips[0]!));
  try {
    // The port takes "not assigned" as done: that is the only answer a permitted probe can get.
    await (family === "ipv4" ? ec2.unassignPrivateIp(eni, network) : ec2.unassignIpv6(eni, network));
  } catch (e) {
    return notAnswered(topic, e, unassign);
  }
  return warn(
    topic,
    `${assign} and ${unassign} have no DryRun; the harmless probe (unassign ${network}, ` +
      `the subnet's network address, from ${eni}) was refused as not assigned, not denied, which proves the permission ` +
      `only where EC2 answers for the permission first: make sure the role grants both (aws-ha-gen iam-policy)`,
  );
}
