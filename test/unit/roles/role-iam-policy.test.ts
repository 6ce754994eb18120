import { describe, expect, it } from "vitest";
import { buildIamPolicy, buildRolePolicies, nodesAccountPlaceholder } from "../../../src/gen/iam-policy";
import { clusterFiles } from "../../../src/gen/output-files";
import { parseDescription, type Description } from "../support/description-problems";

// `aws-ha-gen iam-policy` for a description with roles: the nodes' policy keeps only what the nodes
// do with their own credentials and may assume exactly the roles named; each role gets the policy
// of what acts as it, with its own account in the ARNs of its resources, and a trust policy that
// names the nodes' account and the external id.

const shared = "arn:aws:iam::444455556666:role/aws-ha/shared-vpc";
const dns = "arn:aws:iam::222233334444:role/dns";

function description(roles: { cluster?: boolean; record?: boolean } = { cluster: true, record: true }): Description {
  return {
    cluster: "web",
    region: "eu-west-1",
    nodes: [
      { name: "lb-a", address: "10.0.1.10", instanceId: "i-0a1b2c3d4e5f60001", networkInterfaceId: "eni-0a1b2c3d4e5f60001", priority: 150 },
      { name: "lb-b", address: "10.0.1.11", instanceId: "i-0a1b2c3d4e5f60002", networkInterfaceId: "eni-0a1b2c3d4e5f60002", priority: 100 },
    ],
    resources: [
      { kind: "vip", name: "web-vip", address: "10.0.1.100" },
      { kind: "route", name: "overlay", address: "192.168.100.1", routeTables: ["rtb-0a1b2c3d4e5f60c01"] },
      {
        kind: "record",
        name: "web-dns",
        hostedZoneId: "Z0123456789ABCDEFGHIJ",
        zone: "example.com.",
        recordName: "www.example.com.",
        ...(roles.record ? { assumeRole: { roleArn: dns } } : {}),
      },
    ],
    keepalived: { virtualRouterId: 51 },
    ...(roles.cluster ? { assumeRole: { roleArn: shared, externalId: "web-cluster" } } : {}),
  };
}

const actionsOf = (policy: { Statement: { Action: string[] }[] }) => policy.Statement.flatMap((s) => s.Action).sort();

describe("the nodes' policy with roles", () => {
  it("grants sts:AssumeRole on exactly the roles named, and none of what the roles do (the record's EC2 reads stay)", () => {
    const policy = buildIamPolicy(parseDescription(description()), { account: "111122223333" });

    expect(policy.Statement.find((s) => s.Sid === "AssumeResourceRoles")).toEqual({
      Sid: "AssumeResourceRoles",
      Effect: "Allow",
      Action: ["sts:AssumeRole"],
      Resource: [shared, dns],
    });
    // A record in the DNS account still reads the nodes' own EC2 (the Elastic IP it may point at).
    expect(actionsOf(policy)).toEqual([
      "ec2:DescribeAddresses",
      "ec2:DescribeInstances",
      "ec2:DescribeNetworkInterfaces",
      "sts:AssumeRole",
    ]);
  });

  it("keeps what acts as no role: the record's Route53 actions when only the cluster's role is set… on the record too", () => {
    // The cluster's role acts for every AWS resource, the record included: nothing is left to the nodes.
    const policy = buildIamPolicy(parseDescription(description({ cluster: true })));
    expect(actionsOf(policy).filter((a) => a.startsWith("route53:"))).toEqual([]);
    // With the DNS role alone, the vip and the route stay the nodes' own.
    const own = buildIamPolicy(parseDescription(description({ record: true })));
    expect(actionsOf(own)).toContain("ec2:AssignPrivateIpAddresses");
    expect(actionsOf(own)).toContain("ec2:ReplaceRoute");
    expect(actionsOf(own).filter((a) => a.startsWith("route53:"))).toEqual([]);
  });

  it("a description without roles gets no sts statement", () => {
    const policy = buildIamPolicy(parseDescription(description({})));
    expect(actionsOf(policy).some((a) => a.startsWith("sts:"))).toBe(false);
    expect(buildRolePolicies(parseDescription(description({})))).toEqual([]);
  });
});

describe("each role's own policies", () => {
  it("the shared VPC's role may move the vip and the route, its route tables in its own account, the nodes' ENIs in theirs", () => {
    const [vpc] = buildRolePolicies(parseDescription(description()), { account: "111122223333" });

    expect(vpc!.roleArn).toBe(shared);
    expect(actionsOf(vpc!.permissions)).toEqual(
      [
        "ec2:AssignPrivateIpAddresses",
        "ec2:CreateRoute",
        "ec2:DeleteRoute",
        "ec2:DescribeInstances",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeRouteTables",
        "ec2:ModifyNetworkInterfaceAttribute",
        "ec2:ReplaceRoute",
        "ec2:UnassignPrivateIpAddresses",
      ].sort(),
    );
    const routes = vpc!.permissions.Statement.find((s) => s.Sid === "MoveOverlayRoutes");
    expect(routes?.Resource).toEqual(["arn:aws:ec2:eu-west-1:444455556666:route-table/rtb-0a1b2c3d4e5f60c01"]);
    const vips = vpc!.permissions.Statement.find((s) => s.Sid === "MoveVirtualIps");
    expect(vips?.Resource).toEqual([
      "arn:aws:ec2:eu-west-1:111122223333:network-interface/eni-0a1b2c3d4e5f60001",
      "arn:aws:ec2:eu-west-1:111122223333:network-interface/eni-0a1b2c3d4e5f60002",
    ]);
  });

  it("the trust policy names the nodes' account and the external id; without one, no condition", () => {
    const [vpc, zone] = buildRolePolicies(parseDescription(description()), { account: "111122223333" });

    expect(vpc!.trust.Statement).toEqual([
      {
        Sid: "AwsHaNodes",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111122223333:root" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": "web-cluster" } },
      },
    ]);
    expect(zone!.roleArn).toBe(dns);
    expect(zone!.trust.Statement[0]!.Condition).toBeUndefined();
    expect(actionsOf(zone!.permissions)).toEqual(["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"]);
  });

  it("without --account the trust policy holds a placeholder IAM refuses, never a guess", () => {
    const [vpc] = buildRolePolicies(parseDescription(description()));
    expect(vpc!.trust.Statement[0]!.Principal.AWS).toBe(`arn:aws:iam::${nodesAccountPlaceholder}:root`);
  });

  it("`aws-ha-gen all` writes each role's two policies once, under roles/", () => {
    const files = clusterFiles(parseDescription(description()), {
      clusterPath: "/etc/aws-ha/cluster.yaml",
      secrets: { vrrpAuthPass: "k33pal1v" },
      iam: { account: "111122223333" },
    } as never);
    expect(files.map((f) => f.path).filter((p) => p.startsWith("roles/"))).toEqual([
      "roles/444455556666-shared-vpc.policy.json",
      "roles/444455556666-shared-vpc.trust.json",
      "roles/222233334444-dns.policy.json",
      "roles/222233334444-dns.trust.json",
    ]);
  });
});
