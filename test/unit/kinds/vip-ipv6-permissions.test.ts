import { describe, expect, it } from "vitest";
import { AwsHaError } from "../../../src/errors";
import { buildIamPolicy } from "../../../src/gen/iam-policy";
import type { VipSpec } from "../../../src/kinds/vip/schema";
import { vipPermissions } from "../../../src/kinds/vip/permissions";
import { a, b, clusterOf } from "../support/cluster";

// What an IPv6 VIP adds to the role: AssignIpv6Addresses and UnassignIpv6Addresses on the nodes'
// ENIs, and only when the description has one; an IPv4-only description's policy is unchanged
// (test/unit/gen-golden.test.ts holds it byte for byte).

const dualStack = {
  nodes: [
    { ...a, address6: "2001:db8:0:1::10" },
    { ...b, address6: "2001:db8:0:1::11" },
  ],
};
const vip4 = { kind: "vip", name: "web-vip", address: "10.0.1.100" };
const vip6 = { kind: "vip", name: "web-vip6", address: "2001:db8:0:1::100" };
const moveStatement = (resources: unknown[]) =>
  buildIamPolicy(clusterOf(resources, dualStack), { region: "eu-west-1", account: "123456789012" }).Statement.find(
    (s) => s.Sid === "MoveVirtualIps",
  );
const enis = [a, b].map((n) => `arn:aws:ec2:eu-west-1:123456789012:network-interface/${n.networkInterfaceId}`);

describe("the permissions of an IPv6 VIP", () => {
  it("an IPv6 VIP alone is granted the IPv6 pair on the nodes' ENIs, and not the IPv4 pair", () => {
    expect(moveStatement([vip6])).toEqual({
      Sid: "MoveVirtualIps",
      Effect: "Allow",
      Action: ["ec2:AssignIpv6Addresses", "ec2:UnassignIpv6Addresses"],
      Resource: enis,
    });
  });

  it("IPv4 and IPv6 VIPs together are granted both pairs", () => {
    expect(moveStatement([vip4, vip6])!.Action).toEqual([
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
      "ec2:AssignIpv6Addresses",
      "ec2:UnassignIpv6Addresses",
    ]);
  });

  it("IPv4 VIPs alone are granted the IPv4 pair only", () => {
    expect(moveStatement([vip4])!.Action).toEqual(["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]);
  });

  const scopeOf = (d: ReturnType<typeof clusterOf>) => ({
    description: d,
    self: d.nodes[0]!,
    instanceId: a.instanceId,
    eni: a.networkInterfaceId,
  });

  it("check probes the IPv6 pair by unassigning the subnet's network address, which no ENI carries", async () => {
    const d = clusterOf([vip6], dualStack);
    const sent: string[] = [];
    const probe = {
      dryRun: async () => "allowed" as const,
      unassignPrivateIp: async (eni: string, ip: string) => void sent.push(`ipv4 ${eni} ${ip}`),
      unassignIpv6: async (eni: string, ip: string) => void sent.push(`ipv6 ${eni} ${ip}`),
    };
    const findings = await vipPermissions.prove!(probe, d.resources as VipSpec[], scopeOf(d));
    expect(sent).toEqual([`ipv6 ${a.networkInterfaceId} 2001:db8:0:1::`]);
    expect(findings).toEqual([
      {
        verdict: "warn",
        topic: "permission",
        message:
          `UnassignIpv6Addresses web-vip6 not proven: AssignIpv6Addresses and UnassignIpv6Addresses have no DryRun; the harmless probe ` +
          `(unassign 2001:db8:0:1::, the subnet's network address, from ${a.networkInterfaceId}) was refused as not assigned, not denied, ` +
          `which proves the permission only where EC2 answers for the permission first: make sure the role grants both (aws-ha-gen iam-policy)`,
      },
    ]);
  });

  it("check reports a denied IPv6 probe as a failure naming UnassignIpv6Addresses", async () => {
    const d = clusterOf([vip4, vip6], dualStack);
    const denied = new AwsHaError("permission", "EC2 denied UnassignIpv6Addresses (UnauthorizedOperation)", {
      awsCode: "UnauthorizedOperation",
      fix: "grant it",
    });
    const probe = {
      dryRun: async () => "allowed" as const,
      unassignPrivateIp: async () => undefined,
      unassignIpv6: async () => {
        throw denied;
      },
    };
    const findings = await vipPermissions.prove!(probe, d.resources as VipSpec[], scopeOf(d));
    expect(findings.map((f) => [f.verdict, f.message.split(":")[0]])).toEqual([
      ["warn", "UnassignPrivateIpAddresses web-vip not proven"],
      ["fail", expect.stringContaining("UnassignIpv6Addresses web-vip6")],
    ]);
  });
});
