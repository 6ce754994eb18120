import { EC2ServiceException } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { isRequestRefusal } from "../../src/cloud/ec2-errors";
import type { DryRunAction, Permission } from "../../src/cloud/ec2-port";
import type { ClusterDescription } from "../../src/cluster/schema";
import { AwsHaError } from "../../src/errors";
import { buildIamPolicy } from "../../src/gen/iam-policy";
import { probePermissions } from "../../src/check/permission-probes";
import type { ProbePort } from "../../src/kinds/permission-table";
import type { Finding } from "../../src/check/run-checks";
import { a, clusterOf } from "./support/cluster";

// `check`'s permission probes against a scripted EC2: for each probe, what check says when EC2
// answers DryRunOperation (allowed), UnauthorizedOperation (denied) or refuses the request itself
// (proves nothing), and which call it sends instead when the first acquire would call EC2 differently.

const VIP = "10.0.1.100";
const RTB = "rtb-0a1b2c3d4e5f60c01";
const ALLOCATION = "eipalloc-0a1b2c3d4e5f60e01";
const VOLUME = "vol-0a1b2c3d4e5f60d01";
const OVERLAY = "192.168.100.1";

const everything = clusterOf(
  [
    { kind: "vip", name: "web-vip", address: VIP, prefix: 24 },
    { kind: "eip", name: "web-eip", allocationId: ALLOCATION, privateAddress: VIP },
    { kind: "route", name: "overlay", address: OVERLAY, routeTables: [RTB] },
    { kind: "volume", name: "data", volumeId: VOLUME, device: "/dev/sdf", mountPoint: "/srv/data" },
  ],
  { fencing: { enabled: true } },
);

const refused = (code: string, message: string): Permission => ({ code, message });
const noRoute = refused(
  "InvalidParameterValue",
  `There is no route defined for '${OVERLAY}/32' in the route table. Use CreateRoute instead.`,
);
const unknownTable = refused("InvalidRouteTableID.NotFound", `The routeTable ID '${RTB}' does not exist`);
const vipNotOnEni = refused(
  "InvalidParameterValue",
  `The private IP address ${VIP} is not assigned to network interface ${a.networkInterfaceId}.`,
);

/** EC2 behind the two port methods the probes use, answering as the scenario says. */
class ScriptedEc2 implements ProbePort {
  readonly asked: DryRunAction[] = [];
  readonly unassigned: string[] = [];

  constructor(
    private readonly answer: (request: DryRunAction) => Permission | Error = () => "allowed",
    /** What the harmless unassignment meets: nothing (EC2's "not assigned", taken as done) or an error. */
    private readonly unassignFailure?: Error,
  ) {}

  async dryRun(request: DryRunAction): Promise<Permission> {
    this.asked.push(request);
    const answer = this.answer(request);
    if (answer instanceof Error) throw answer;
    return answer;
  }

  async unassignPrivateIp(networkInterfaceId: string, privateIp: string): Promise<void> {
    this.unassigned.push(`${networkInterfaceId} ${privateIp}`);
    if (this.unassignFailure) throw this.unassignFailure;
  }

  async unassignIpv6(networkInterfaceId: string, ipv6Address: string): Promise<void> {
    return this.unassignPrivateIp(networkInterfaceId, ipv6Address);
  }
}

const probe = (ec2: ScriptedEc2, description: ClusterDescription = everything) =>
  probePermissions(ec2, { description, self: description.nodes[0]!, instanceId: a.instanceId, eni: a.networkInterfaceId });

/** The finding about `topic` ("AttachVolume data"): every permission line starts with its topic. */
function about(findings: Finding[], topic: string): Finding {
  const found = findings.filter((f) => f.message.startsWith(`${topic} `));
  expect(found, `one line about ${topic}`).toHaveLength(1);
  expect(found[0]!.topic).toBe("permission");
  return found[0]!;
}

const denial = (action: string) =>
  new AwsHaError("permission", `EC2 denied ${action} (UnauthorizedOperation)`, { awsCode: "UnauthorizedOperation", fix: "…" });

const dryRunProbes = [
  { topic: "DescribeNetworkInterfaces", action: "DescribeNetworkInterfaces" },
  { topic: "DescribeAddresses", action: "DescribeAddresses" },
  { topic: "DescribeRouteTables", action: "DescribeRouteTables" },
  { topic: "DescribeVolumes", action: "DescribeVolumes" },
  { topic: "DescribeInstances", action: "DescribeInstances" },
  { topic: "AssociateAddress web-eip", action: "AssociateAddress" },
  { topic: `ReplaceRoute overlay ${RTB}`, action: "ReplaceRoute" },
  { topic: "AttachVolume data", action: "AttachVolume" },
  { topic: "DetachVolume data", action: "DetachVolume" },
  { topic: "StopInstances node-b", action: "StopInstances" },
];

describe.each(dryRunProbes)("the $topic probe", ({ topic, action }) => {
  it("DryRunOperation: ok, proven by DryRun", async () => {
    const findings = await probe(new ScriptedEc2());
    expect(about(findings, topic)).toEqual({ verdict: "ok", topic: "permission", message: `${topic} allowed (DryRun)` });
  });

  it("UnauthorizedOperation: FAIL naming the action to grant, exit kind permission", async () => {
    const ec2 = new ScriptedEc2((r) => (r.action === action ? "denied" : "allowed"));
    const findings = await probe(ec2);
    expect(about(findings, topic)).toEqual({
      verdict: "fail",
      topic: "permission",
      message: `${topic} denied: add ec2:${action} to the node's role (aws-ha-gen iam-policy)`,
      kind: "permission",
    });
    expect(findings.filter((f) => f.verdict === "fail")).toHaveLength(1);
  });

  it("a refusal of the request itself: warn with EC2's reason, never FAIL", async () => {
    const unknownId = refused("InvalidParameterValue", `Value for parameter of ${action} is not valid.`);
    const ec2 = new ScriptedEc2((r) => (r.action === action ? unknownId : "allowed"));
    const findings = await probe(ec2);
    expect(about(findings, topic)).toEqual({
      verdict: "warn",
      topic: "permission",
      message: `${topic} not proven: EC2 refused the request instead of answering for the permission: Value for parameter of ${action} is not valid (InvalidParameterValue); see EC2's message`,
    });
    expect(findings.filter((f) => f.verdict === "fail")).toEqual([]);
  });
});

describe("an id EC2 does not know", () => {
  it("is named in the operator's words, with the fix", async () => {
    const ec2 = new ScriptedEc2((r) =>
      r.action === "AttachVolume" ? refused("InvalidVolume.NotFound", `The volume '${VOLUME}' does not exist.`) : "allowed",
    );
    expect(about(await probe(ec2), "AttachVolume data").message).toBe(
      `AttachVolume data not proven: EC2 refused the request instead of answering for the permission: volume ${VOLUME} does not exist ` +
        "(InvalidVolume.NotFound); check the ids in the cluster description: they must exist in this node's region and account",
    );
  });

  it("in a route table is not a missing route: no CreateRoute is tried", async () => {
    const ec2 = new ScriptedEc2((r) => (r.action === "ReplaceRoute" || r.action === "CreateRoute" ? unknownTable : "allowed"));
    const findings = await probe(ec2);
    expect(about(findings, `ReplaceRoute overlay ${RTB}`)).toMatchObject({ verdict: "warn" });
    expect(about(findings, `ReplaceRoute overlay ${RTB}`).message).toContain(`route table ${RTB} does not exist`);
    expect(ec2.asked.map((r) => r.action)).not.toContain("CreateRoute");
  });
});

describe("a refusal whose message spans lines (an endpoint that is not quite EC2)", () => {
  it("still makes one line of check", async () => {
    const ec2 = new ScriptedEc2((r) =>
      r.action === "DetachVolume" ? refused("InvalidParameterValue", "first\nFAIL  forged\r\u0085") : "allowed",
    );
    const detach = about(await probe(ec2), "DetachVolume data");
    expect(detach.verdict).toBe("warn");
    expect(detach.message).not.toMatch(/[\n\r\u0085]/);
    expect(detach.message).toContain("first FAIL  forged (InvalidParameterValue)");
  });
});

describe("the route does not exist yet: the first acquire creates it, so CreateRoute is probed", () => {
  const replaceRefused = (create: Permission) => (r: DryRunAction) =>
    r.action === "ReplaceRoute" ? noRoute : r.action === "CreateRoute" ? create : "allowed";

  it("CreateRoute allowed: ok for it, and a warning that ReplaceRoute stays unproven", async () => {
    const ec2 = new ScriptedEc2(replaceRefused("allowed"));
    const findings = await probe(ec2);
    const replace = about(findings, `ReplaceRoute overlay ${RTB}`);
    expect(replace.verdict).toBe("warn");
    expect(replace.message).toContain(`there is no route for ${OVERLAY}/32 in ${RTB} yet`);
    expect(replace.message).toContain("make sure the role grants ec2:ReplaceRoute too");
    expect(about(findings, `CreateRoute overlay ${RTB}`)).toMatchObject({
      verdict: "ok",
      message: `CreateRoute overlay ${RTB} allowed (DryRun)`,
    });
    // The same table, destination and target as the acquire's own CreateRoute.
    expect(ec2.asked.find((r) => r.action === "CreateRoute")).toEqual({
      action: "CreateRoute",
      routeTableId: RTB,
      cidr: `${OVERLAY}/32`,
      networkInterfaceId: a.networkInterfaceId,
    });
    // ReplaceRoute's warning comes right before the CreateRoute line it points to.
    const index = (topic: string) => findings.findIndex((f) => f.message.startsWith(topic));
    expect(index(`CreateRoute overlay`)).toBe(index(`ReplaceRoute overlay`) + 1);
  });

  it("CreateRoute denied: FAIL for CreateRoute, the permission the first acquire needs", async () => {
    const findings = await probe(new ScriptedEc2(replaceRefused("denied")));
    expect(about(findings, `ReplaceRoute overlay ${RTB}`).verdict).toBe("warn");
    expect(about(findings, `CreateRoute overlay ${RTB}`)).toMatchObject({
      verdict: "fail",
      kind: "permission",
      message: `CreateRoute overlay ${RTB} denied: add ec2:CreateRoute to the node's role (aws-ha-gen iam-policy)`,
    });
  });

  it("CreateRoute refused too: two warnings, each with EC2's reason", async () => {
    const otherVpc = refused(
      "InvalidParameterValue",
      `Route table ${RTB} and network interface ${a.networkInterfaceId} belong to different networks`,
    );
    const findings = await probe(new ScriptedEc2(replaceRefused(otherVpc)));
    expect(about(findings, `ReplaceRoute overlay ${RTB}`).verdict).toBe("warn");
    expect(about(findings, `CreateRoute overlay ${RTB}`)).toMatchObject({ verdict: "warn" });
    expect(about(findings, `CreateRoute overlay ${RTB}`).message).toContain("belong to different networks (InvalidParameterValue)");
  });

  it("EC2's InvalidRoute.NotFound says the same", async () => {
    const ec2 = new ScriptedEc2((r) => (r.action === "ReplaceRoute" ? refused("InvalidRoute.NotFound", "no such route") : "allowed"));
    const findings = await probe(ec2);
    expect(about(findings, `CreateRoute overlay ${RTB}`).verdict).toBe("ok");
  });
});

describe("the Elastic IP's private address (the VIP) is not on this node's ENI yet", () => {
  const vipRefused = (own: Permission) => (r: DryRunAction) =>
    r.action === "AssociateAddress" ? (r.privateIp === VIP ? vipNotOnEni : own) : "allowed";

  it("proven with the node's own address instead: the permission is for the allocation and the ENI", async () => {
    const ec2 = new ScriptedEc2(vipRefused("allowed"));
    const eip = about(await probe(ec2), "AssociateAddress web-eip");
    expect(eip.verdict).toBe("ok");
    expect(eip.message).toMatch(
      new RegExp(`^AssociateAddress web-eip allowed \\(DryRun to ${a.address}, the node's own address; EC2 refused ${VIP}: `),
    );
    expect(ec2.asked.filter((r) => r.action === "AssociateAddress")).toEqual([
      { action: "AssociateAddress", allocationId: ALLOCATION, networkInterfaceId: a.networkInterfaceId, privateIp: VIP },
      { action: "AssociateAddress", allocationId: ALLOCATION, networkInterfaceId: a.networkInterfaceId, privateIp: a.address },
    ]);
  });

  it("denied with the node's own address: FAIL", async () => {
    const eip = about(await probe(new ScriptedEc2(vipRefused("denied"))), "AssociateAddress web-eip");
    expect(eip).toMatchObject({
      verdict: "fail",
      kind: "permission",
      message: expect.stringContaining("denied: add ec2:AssociateAddress"),
    });
  });

  it("refused with the node's own address too: warn with the last reason", async () => {
    const unknown = refused("InvalidAllocationID.NotFound", `The allocation ID '${ALLOCATION}' does not exist`);
    const eip = about(await probe(new ScriptedEc2(vipRefused(unknown))), "AssociateAddress web-eip");
    expect(eip.verdict).toBe("warn");
    expect(eip.message).toContain(`Elastic IP allocation ${ALLOCATION} does not exist (InvalidAllocationID.NotFound)`);
  });

  it("an Elastic IP on the node's own address is asked once: there is nothing else to try", async () => {
    const own = clusterOf([{ kind: "eip", name: "web-eip", allocationId: ALLOCATION }]);
    const ec2 = new ScriptedEc2((r) => (r.action === "AssociateAddress" ? vipNotOnEni : "allowed"));
    expect(about(await probe(ec2, own), "AssociateAddress web-eip").verdict).toBe("warn");
    expect(ec2.asked.filter((r) => r.action === "AssociateAddress")).toHaveLength(1);
  });
});

describe("the VIP's actions, which have no DryRun", () => {
  const vipTopic = "UnassignPrivateIpAddresses web-vip";

  it("EC2 refuses the harmless unassignment as not assigned (what a permitted caller gets): warn, it proves nothing", async () => {
    const ec2 = new ScriptedEc2();
    const vip = about(await probe(ec2), vipTopic);
    expect(vip.verdict).toBe("warn");
    expect(vip.message).toContain("have no DryRun");
    expect(vip.message).toContain("make sure the role grants both");
    // The subnet's network address, which EC2 never puts on an ENI.
    expect(ec2.unassigned).toEqual([`${a.networkInterfaceId} 10.0.1.0`]);
  });

  it("UnauthorizedOperation: FAIL naming the action", async () => {
    const vip = about(await probe(new ScriptedEc2(undefined, denial("UnassignPrivateIpAddresses"))), vipTopic);
    expect(vip).toEqual({
      verdict: "fail",
      topic: "permission",
      message: `${vipTopic} denied: add ec2:UnassignPrivateIpAddresses to the node's role (aws-ha-gen iam-policy)`,
      kind: "permission",
    });
  });

  it("another refusal (an ENI EC2 does not know): warn", async () => {
    const unknownEni = new AwsHaError(
      "config",
      `EC2 UnassignPrivateIpAddresses: network interface ${a.networkInterfaceId} does not exist`,
      {
        awsCode: "InvalidNetworkInterfaceID.NotFound",
      },
    );
    const vip = about(await probe(new ScriptedEc2(undefined, unknownEni)), vipTopic);
    expect(vip.verdict).toBe("warn");
    expect(vip.message).toContain(`network interface ${a.networkInterfaceId} does not exist`);
  });

  it("without a VIP nothing is unassigned", async () => {
    const ec2 = new ScriptedEc2();
    const findings = await probe(ec2, clusterOf([{ kind: "route", name: "overlay", address: OVERLAY, routeTables: [RTB] }]));
    expect(ec2.unassigned).toEqual([]);
    expect(findings.some((f) => f.message.startsWith("UnassignPrivateIpAddresses"))).toBe(false);
  });
});

describe("when EC2 does not answer the question", () => {
  it("throttling that outlasted the retries is a warning to run check again, not a FAIL", async () => {
    const throttled = new AwsHaError("cloud", "EC2 throttled DetachVolume, even after retries (RequestLimitExceeded)", {
      awsCode: "RequestLimitExceeded",
      fix: "something else in the account calls EC2 heavily; retry",
    });
    const ec2 = new ScriptedEc2((r) => (r.action === "DetachVolume" ? throttled : "allowed"));
    const detach = about(await probe(ec2), "DetachVolume data");
    expect(detach).toEqual({ verdict: "warn", topic: "permission", message: `DetachVolume data not proven: ${throttled.describe()}` });
  });

  it("credentials EC2 does not accept are a FAIL: the node cannot act at all", async () => {
    const rejected = new AwsHaError("permission", "EC2 did not accept the node's credentials for StopInstances (AuthFailure)", {
      awsCode: "AuthFailure",
    });
    const ec2 = new ScriptedEc2((r) => (r.action === "StopInstances" ? rejected : "allowed"));
    expect(about(await probe(ec2), "StopInstances node-b")).toMatchObject({ verdict: "fail", kind: "permission" });
  });
});

describe("which probes are sent", () => {
  it("lines come in the probes' order whatever order EC2 answers in", async () => {
    class DescribesAnswerLast extends ScriptedEc2 {
      override async dryRun(request: DryRunAction): Promise<Permission> {
        if (request.action.startsWith("Describe")) await new Promise((resolve) => setTimeout(resolve, 20));
        return super.dryRun(request);
      }
    }
    const findings = await probe(new DescribesAnswerLast());
    expect(findings.map((f) => f.message.split(" allowed")[0]!.split(" not proven")[0])).toEqual([
      ...dryRunProbes.map((p) => p.topic),
      "UnassignPrivateIpAddresses web-vip",
    ]);
  });

  it("a cluster with only a VIP is asked only for the reads its generated policy grants", async () => {
    const vipOnly = clusterOf([{ kind: "vip", name: "web-vip", address: VIP, prefix: 24 }]);
    // A role with exactly the generated policy: whatever it does not grant is denied.
    const granted = buildIamPolicy(vipOnly).Statement.flatMap((s) => s.Action);
    const ec2 = new ScriptedEc2((r) => (granted.includes(`ec2:${r.action}`) ? "allowed" : "denied"));
    const findings = await probe(ec2, vipOnly);
    expect(ec2.asked.map((r) => r.action)).toEqual(["DescribeNetworkInterfaces", "DescribeInstances"]);
    expect(findings.filter((f) => f.verdict === "fail")).toEqual([]);
  });

  it.each([
    ["every cloud kind, fencing on", everything],
    ["only a VIP", clusterOf([{ kind: "vip", name: "web-vip", address: VIP, prefix: 24 }])],
    ["only a volume", clusterOf([{ kind: "volume", name: "data", volumeId: VOLUME, mountPoint: "/srv/data" }])],
    ["an EIP on each node's own address", clusterOf([{ kind: "eip", name: "web-eip", allocationId: ALLOCATION }])],
  ])("%s: every action a probe asks about is one the generated policy grants", async (_scenario, description) => {
    const ec2 = new ScriptedEc2((r) => (r.action === "ReplaceRoute" ? noRoute : "allowed"));
    await probe(ec2, description);
    const granted = buildIamPolicy(description).Statement.flatMap((s) => s.Action);
    const asked = [
      ...new Set([...ec2.asked.map((r) => `ec2:${r.action}`), ...(ec2.unassigned.length ? ["ec2:UnassignPrivateIpAddresses"] : [])]),
    ];
    expect(asked.filter((a) => !granted.includes(a))).toEqual([]);
    expect(asked.length).toBeGreaterThan(2);
  });

  it("StopInstances only with fencing on, for each peer but not for this node", async () => {
    const noFencing = clusterOf([{ kind: "volume", name: "data", volumeId: VOLUME, mountPoint: "/srv/data" }]);
    const ec2 = new ScriptedEc2();
    await probe(ec2, noFencing);
    expect(ec2.asked.map((r) => r.action)).not.toContain("StopInstances");
    const fenced = new ScriptedEc2();
    await probe(fenced);
    expect(fenced.asked.filter((r) => r.action === "StopInstances")).toEqual([
      { action: "StopInstances", instanceId: "i-0bbbbbbbbbbbbbbb2" },
    ]);
  });
});

describe("which of EC2's answers to a DryRun are refusals of the request itself", () => {
  const answer = (code: string, status: number) =>
    new EC2ServiceException({
      name: code,
      message: code,
      $fault: status >= 500 ? "server" : "client",
      $metadata: { httpStatusCode: status },
    });

  it.each([
    ["InvalidParameterValue", 400],
    ["InvalidVolume.NotFound", 400],
    ["InvalidRouteTableID.NotFound", 400],
    ["MissingParameter", 400],
    ["RouteAlreadyExists", 400],
  ])("%s (%i) is: it judges the request, not the caller", (code, status) => {
    expect(isRequestRefusal(answer(code, status))).toBe(true);
  });

  it.each([
    ["DryRunOperation", 412],
    ["UnauthorizedOperation", 403],
    ["AuthFailure", 401],
    ["RequestLimitExceeded", 503],
    ["Throttling", 400],
    ["InternalError", 500],
  ])("%s (%i) is not", (code, status) => {
    expect(isRequestRefusal(answer(code, status))).toBe(false);
  });

  it("nor is a failure to reach EC2", () => {
    expect(isRequestRefusal(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toBe(false);
  });
});
