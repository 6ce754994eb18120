import { describe, expect, it } from "vitest";
import { exampleDescription } from "../../../src/cli/gen/init";
import { actingRoleOf, partsByRole, rolesNamed, sessionNameFor } from "../../../src/cloud/roles/acting-role";
import { parseClusterDescription } from "../../../src/cluster/parse";
import { changed, parseDescription, problemsIn, refusalOf, type Description } from "../support/description-problems";

// A role to assume, once for the cluster (`assumeRole:` at the top) or per resource (the same two
// keys on the resource, which replace the cluster's pair whole). A malformed role ARN or external
// id is one line naming its place.

const shared = "arn:aws:iam::444455556666:role/aws-ha/shared-vpc";
const dns = "arn:aws:iam::222233334444:role/dns";

function base(): Description {
  return {
    cluster: "web",
    nodes: [
      { name: "lb-a", address: "10.0.1.10", instanceId: "i-0a1b2c3d4e5f60001", priority: 150 },
      { name: "lb-b", address: "10.0.1.11", instanceId: "i-0a1b2c3d4e5f60002", priority: 100 },
    ],
    resources: [
      { kind: "vip", name: "web-vip", address: "10.0.1.100" },
      { kind: "eip", name: "web-eip", allocationId: "eipalloc-0123456789abcdef0", privateAddress: "10.0.1.100" },
      { kind: "record", name: "web-dns", hostedZoneId: "Z0123456789ABCDEFGHIJ", zone: "example.com.", recordName: "www.example.com." },
      { kind: "service", name: "nginx", unit: "nginx.service" },
    ],
    keepalived: { virtualRouterId: 51 },
    assumeRole: { roleArn: shared, externalId: "web-cluster" },
  };
}

describe("who acts for each resource", () => {
  it("the cluster's role acts for every AWS resource; a resource's own role replaces it, external id and all; services act as nobody", () => {
    const d = parseDescription(changed(base, (x) => (x.resources[2].assumeRole = { roleArn: dns })));

    expect(d.resources.map((r) => actingRoleOf(d, r))).toEqual([
      { roleArn: shared, externalId: "web-cluster" },
      { roleArn: shared, externalId: "web-cluster" },
      { roleArn: dns },
      undefined,
    ]);
    expect(rolesNamed(d).map((r) => r.roleArn)).toEqual([shared, dns]);
    expect(partsByRole(d).map((p) => [p.role?.roleArn, p.description.resources.map((r) => r.name)])).toEqual([
      [undefined, ["nginx"]],
      [shared, ["web-vip", "web-eip"]],
      [dns, ["web-dns"]],
    ]);
  });

  it("without any assumeRole, the node's own credentials act for everything and there is one part", () => {
    const d = parseDescription(changed(base, (x) => delete x.assumeRole));
    expect(rolesNamed(d)).toEqual([]);
    expect(partsByRole(d)).toHaveLength(1);
    expect(partsByRole(d)[0]!.description.resources).toHaveLength(4);
  });

  it("names the STS session after the node, within STS's 64 characters", () => {
    expect(sessionNameFor("lb-a")).toBe("aws-ha-lb-a");
    expect(sessionNameFor("n".repeat(63))).toHaveLength(64);
  });
});

describe("a malformed role is one line naming its place", () => {
  it.each([
    ["an IAM user, not a role", "arn:aws:iam::444455556666:user/ops"],
    ["an account id of 11 digits", "arn:aws:iam::44445555666:role/dns"],
    ["another partition", "arn:aws-xx:iam::444455556666:role/dns"],
    ["a role without a name", "arn:aws:iam::444455556666:role/"],
    ["a space in the name", "arn:aws:iam::444455556666:role/my role"],
  ])("the cluster's roleArn: %s", (_what, arn) => {
    const problems = refusalOf(changed(base, (x) => (x.assumeRole.roleArn = arn)));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe("assumeRole.roleArn");
    expect(problems[0]!.message).toContain("is not an IAM role ARN");
  });

  it("a resource's roleArn, at that resource", () => {
    const problems = refusalOf(changed(base, (x) => (x.resources[2].assumeRole = { roleArn: "arn:aws:iam::1:role/dns" })));
    expect(problems.map((p) => p.path)).toEqual(["resources[2].assumeRole.roleArn"]);
  });

  it.each([
    ["one character", "x"],
    ["a character STS refuses", "web cluster"],
    ["1225 characters", "a".repeat(1225)],
  ])("an externalId of %s", (_what, id) => {
    const problems = refusalOf(changed(base, (x) => (x.assumeRole.externalId = id)));
    expect(problems.map((p) => p.path)).toEqual(["assumeRole.externalId"]);
  });

  it("accepts the partitions of China and GovCloud, a path, and an external id of 1224 characters of STS's set", () => {
    for (const arn of ["arn:aws-cn:iam::444455556666:role/dns", "arn:aws-us-gov:iam::444455556666:role/ops/aws-ha/dns"])
      expect(problemsIn(changed(base, (x) => (x.assumeRole.roleArn = arn)))).toEqual([]);
    expect(problemsIn(changed(base, (x) => (x.assumeRole.externalId = `a+=,.@:/-_${"b".repeat(1214)}`)))).toEqual([]);
  });

  it("an external id without its role, or a role on a service, is refused as an unknown or missing key", () => {
    expect(refusalOf(changed(base, (x) => (x.assumeRole = { externalId: "web-cluster" }))).map((p) => p.path)).toEqual([
      "assumeRole.roleArn",
    ]);
    expect(refusalOf(changed(base, (x) => (x.resources[3].assumeRole = { roleArn: dns }))).map((p) => p.path)).toEqual(["resources[3]"]);
  });
});

describe("aws-ha-gen init's example", () => {
  it("its commented roles, uncommented, validate: the cluster's role for the vip, eip and volume, the DNS account's for the record", () => {
    // A block runs from "# assumeRole:" (at the top) or "# - kind: record" while its lines are
    // commented-out YAML ("# key: …"); the prose comments around it stay.
    const lines = exampleDescription.split("\n");
    const yamlLine = /^(\s*)# ((?:- )?[a-zA-Z0-9]+:.*|\s+.*:.*)$/;
    const uncommented = [...lines];
    lines.forEach((line, i) => {
      if (!/^# assumeRole:$/.test(line) && !/^\s*# - kind: record$/.test(line)) return;
      for (let j = i; j < lines.length && yamlLine.test(lines[j]!); j++) uncommented[j] = lines[j]!.replace(yamlLine, "$1$2");
    });
    const d = parseClusterDescription(uncommented.join("\n"), "cluster.yaml");

    expect(d.assumeRole).toEqual({ roleArn: "arn:aws:iam::222233334444:role/aws-ha-shared-vpc", externalId: "db-cluster" });
    const roleOf = (name: string) =>
      actingRoleOf(
        d,
        d.resources.find((r) => r.name === name)!,
      )?.roleArn;
    expect(roleOf("service-ip")).toBe("arn:aws:iam::222233334444:role/aws-ha-shared-vpc");
    expect(roleOf("db-dns")).toBe("arn:aws:iam::333344445555:role/aws-ha-dns");
    expect(roleOf("database")).toBeUndefined();
  });
});
