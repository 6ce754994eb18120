import { ipv4ToNumber } from "../../cluster/ipv4";
import type { Finding } from "../finding";
import { resourcesOf } from "../kind";
import { notAnswered, warn } from "../permission-answers";
import type { PermissionTable, ProbePort, ProbeScope } from "../permission-table";
import type { VipSpec } from "./schema";

// A VIP moves by AssignPrivateIpAddresses (with AllowReassignment) and, with release set, goes by
// UnassignPrivateIpAddresses, both on the nodes' ENIs; inspect finds it with DescribeNetworkInterfaces.
export const vipPermissions: PermissionTable<VipSpec> = {
  subjects: (d) => resourcesOf(d, "vip"),
  rows: [
    { read: "DescribeNetworkInterfaces" },
    { action: "AssignPrivateIpAddresses", statement: "MoveVirtualIps", resources: (_vips, policy) => policy.eniArns },
    { action: "UnassignPrivateIpAddresses", statement: "MoveVirtualIps", resources: (_vips, policy) => policy.eniArns },
  ],
  prove: proveVipActions,
};

/** The VIP's two actions have no DryRun: a harmless unassignment can show a denial, never prove the permission. */
async function proveVipActions(ec2: ProbePort, vips: readonly VipSpec[], { eni }: ProbeScope): Promise<Finding[]> {
  const topic = `UnassignPrivateIpAddresses ${vips.map((v) => v.name).join(",")}`;
  // The subnet's network address (the description keeps the VIPs in their nodes' subnet) is
  // reserved by EC2 and never on an ENI, so unassigning it can remove nothing.
  const size = 2 ** (32 - vips[0]!.prefix);
  const n = Math.floor(ipv4ToNumber(vips[0]!.address) / size) * size;
  const network = [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
  try {
    // The port takes "not assigned" as done: that is the only answer a permitted probe can get.
    await ec2.unassignPrivateIp(eni, network);
  } catch (e) {
    return [notAnswered(topic, e, "UnassignPrivateIpAddresses")];
  }
  return [
    warn(
      topic,
      `AssignPrivateIpAddresses and UnassignPrivateIpAddresses have no DryRun; the harmless probe (unassign ${network}, ` +
        `the subnet's network address, from ${eni}) was refused as not assigned, not denied, which proves the permission ` +
        `only where EC2 answers for the permission first: make sure the role grants both (aws-ha-gen iam-policy)`,
    ),
  ];
}
