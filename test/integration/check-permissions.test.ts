import { afterEach, describe, expect, it } from "vitest";
import type { WorldSpec } from "../support/ec2-standin/world-spec";
import { ids, nodeA, nodeB, resource, type NodePaths } from "./support/cluster-fixture";
import { given } from "./support/given";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";

// What `aws-ha-notify check` says about each permission a transition needs. EC2 answers a DryRun in
// one of three ways: DryRunOperation (allowed), UnauthorizedOperation (denied), or a refusal of the
// request itself — an id it does not know, a route that does not exist yet — which proves neither.
// Only a denial is a FAIL; a refused probe is retried as the first acquire will really call EC2, and
// what stays unproven is a warning that says why.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const fencing = { enabled: true, peerReleaseTimeout: 10 };
const everyCloudKind = (node: NodePaths) => [resource.vip(), resource.eip(), resource.route(), resource.volume(node)];
const startWorld = (arrange: (spec: WorldSpec) => void = () => {}) =>
  startTwoNodeWorld({ resources: everyCloudKind, fencing, given: arrange });

const describes = {
  DescribeNetworkInterfaces: "ok",
  DescribeAddresses: "ok",
  DescribeRouteTables: "ok",
  DescribeVolumes: "ok",
  DescribeInstances: "ok",
} as const;
const replaceRoute = `ReplaceRoute overlay ${ids.routeTable}`;
const createRoute = `CreateRoute overlay ${ids.routeTable}`;
const unassign = "UnassignPrivateIpAddresses web-vip";
/** Every action `check` probes that a transition changes something with (the describes aside). */
const mutatingActions = [
  "AssociateAddress",
  "ReplaceRoute",
  "CreateRoute",
  "AttachVolume",
  "DetachVolume",
  "StopInstances",
  "UnassignPrivateIpAddresses",
];

/** Each permission line of `check`, by its topic ("AttachVolume data"): ok, warn or FAIL. */
function verdicts(stdout: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const m = /^(ok|warn|FAIL) +permission: (.+?) (?:allowed|denied|not proven)\b/.exec(line);
    if (m) found[m[2]!] = m[1]!;
  }
  return found;
}

function lineOf(stdout: string, topic: string): string {
  return stdout.split("\n").find((line) => / permission: /.test(line) && line.includes(`permission: ${topic} `)) ?? "";
}

describe("a fresh set-up: the overlay route not created yet, the VIP and its Elastic IP on no node", () => {
  it("with a sound policy nothing fails: CreateRoute is proven where ReplaceRoute cannot be, and nothing changes", async () => {
    world = await startWorld();
    const before = world.snapshot();
    const since = Date.now();

    const check = await world.a.run(["check"]);

    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(verdicts(check.stdout)).toEqual({
      ...describes,
      "AssociateAddress web-eip": "ok",
      [replaceRoute]: "warn",
      [createRoute]: "ok",
      "AttachVolume data": "ok",
      "DetachVolume data": "ok",
      "StopInstances node-b": "ok",
      [unassign]: "warn",
    });
    expect(check.stdout).not.toMatch(/^FAIL/m);
    // Why ReplaceRoute is not proven, and what the operator should make sure of.
    expect(lineOf(check.stdout, replaceRoute)).toMatch(/no route for 192\.168\.100\.1\/32/);
    expect(lineOf(check.stdout, replaceRoute)).toContain("ec2:ReplaceRoute");
    // The VIP is on no ENI yet, so the Elastic IP's permission is proven with the node's own address.
    expect(lineOf(check.stdout, "AssociateAddress web-eip")).toContain(`DryRun to ${nodeA.address}, the node's own address`);
    expect(lineOf(check.stdout, unassign)).toMatch(/no DryRun/);
    expect(world.snapshot()).toEqual(before);
    expect(world.mutatingCalls(since).map((c) => `${c.action} ${c.error}`)).toEqual(["UnassignPrivateIpAddresses InvalidParameterValue"]);
  });

  it("a denial hidden behind the missing route is not a FAIL; CreateRoute, which the first master sends, is", async () => {
    world = await startWorld();
    world.ec2.faults.inject({ kind: "deny", actions: ["ReplaceRoute"] });

    const replaceDenied = await world.a.run(["check"]);

    expect(replaceDenied.code, replaceDenied.stdout).toBe(0);
    expect(verdicts(replaceDenied.stdout)).toMatchObject({ [replaceRoute]: "warn", [createRoute]: "ok" });

    world.ec2.faults.inject({ kind: "deny", actions: ["CreateRoute"] });
    const bothDenied = await world.a.run(["check"]);

    expect(bothDenied.code).toBe(4);
    expect(verdicts(bothDenied.stdout)).toMatchObject({ [replaceRoute]: "warn", [createRoute]: "FAIL" });
    expect(bothDenied.stdout.split("\n").filter((line) => line.startsWith("FAIL"))).toEqual([
      `FAIL  permission: ${createRoute} denied: add ec2:CreateRoute to the node's role (aws-ha-gen iam-policy)`,
    ]);
  });
});

describe("allowed: every probe answered DryRunOperation", () => {
  it("on the node that holds the route and the VIP, each permission is proven by its own DryRun", async () => {
    world = await startWorld((spec) => given.cloudOn(spec, nodeB));

    const check = await world.b.run(["check"]);

    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(verdicts(check.stdout)).toEqual({
      ...describes,
      "AssociateAddress web-eip": "ok",
      [replaceRoute]: "ok",
      "AttachVolume data": "ok",
      "DetachVolume data": "ok",
      "StopInstances node-a": "ok",
      // The two address actions have no DryRun: their probe is refused whatever the policy says.
      [unassign]: "warn",
    });
    expect(lineOf(check.stdout, "AssociateAddress web-eip")).toBe("ok    permission: AssociateAddress web-eip allowed (DryRun)");
  });
});

describe("denied: UnauthorizedOperation", () => {
  it("each denied action is a FAIL that names it, and check exits 4", async () => {
    world = await startWorld((spec) => given.cloudOn(spec, nodeB));
    // DescribeInstances is left allowed: without it check stops at its first question (credentials).
    const denied = ["DescribeNetworkInterfaces", "DescribeAddresses", "DescribeRouteTables", "DescribeVolumes", ...mutatingActions];
    world.ec2.faults.inject({ kind: "deny", actions: denied });

    const check = await world.b.run(["check"]);

    expect(check.code).toBe(4);
    expect(verdicts(check.stdout)).toEqual({
      DescribeNetworkInterfaces: "FAIL",
      DescribeAddresses: "FAIL",
      DescribeRouteTables: "FAIL",
      DescribeVolumes: "FAIL",
      DescribeInstances: "ok",
      "AssociateAddress web-eip": "FAIL",
      [replaceRoute]: "FAIL",
      "AttachVolume data": "FAIL",
      "DetachVolume data": "FAIL",
      "StopInstances node-a": "FAIL",
      // EC2 judges an unassignment's addresses before the permission here, so the denial stays hidden.
      [unassign]: "warn",
    });
    for (const action of ["AssociateAddress", "ReplaceRoute", "AttachVolume", "DetachVolume", "StopInstances", "DescribeVolumes"])
      expect(check.stdout).toContain(`denied: add ec2:${action} to the node's role`);
  });

  it("where EC2 decides the permission first, a denial shows through a request it would refuse", async () => {
    world = await startWorld((spec) => {
      spec.requestChecks = "after-permission";
    });
    world.ec2.faults.inject({ kind: "deny", actions: ["AssociateAddress", "ReplaceRoute", "UnassignPrivateIpAddresses"] });

    const check = await world.a.run(["check"]);

    expect(check.code).toBe(4);
    expect(verdicts(check.stdout)).toMatchObject({
      "AssociateAddress web-eip": "FAIL",
      [replaceRoute]: "FAIL",
      [unassign]: "FAIL",
    });
    // A denied ReplaceRoute is final: the first acquire would fail there, before any CreateRoute.
    expect(verdicts(check.stdout)).not.toHaveProperty(createRoute);
  });
});

describe("not provable: EC2 refuses the request itself", () => {
  it("ids EC2 does not know are warnings that name them, never a permission FAIL", async () => {
    world = await startWorld((spec) => {
      spec.addresses = [];
      spec.routeTables = [];
      spec.volumes = [];
      spec.instances = spec.instances.filter((i) => i.instanceId !== nodeB.instanceId);
      spec.interfaces = spec.interfaces.filter((e) => e.instanceId !== nodeB.instanceId);
    });

    const check = await world.a.run(["check"]);

    expect(verdicts(check.stdout)).toEqual({
      ...describes,
      "AssociateAddress web-eip": "warn",
      [replaceRoute]: "warn",
      "AttachVolume data": "warn",
      "DetachVolume data": "warn",
      "StopInstances node-b": "warn",
      [unassign]: "warn",
    });
    expect(check.stdout).not.toMatch(/^FAIL +permission:/m);
    expect(lineOf(check.stdout, "AssociateAddress web-eip")).toContain(`${ids.allocationId} does not exist`);
    expect(lineOf(check.stdout, replaceRoute)).toContain(`${ids.routeTable} does not exist`);
    expect(lineOf(check.stdout, "AttachVolume data")).toContain(`${ids.volumeId} does not exist`);
    expect(lineOf(check.stdout, "StopInstances node-b")).toContain(`${nodeB.instanceId} does not exist`);
    // The volume's own check still fails: the description names a volume that is not there.
    expect(check.stdout).toMatch(/^FAIL {2}volume data: .*does not exist/m);
    expect(check.code).toBe(6);
  });
});
