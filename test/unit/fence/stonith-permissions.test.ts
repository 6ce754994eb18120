import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseClusterDescription } from "../../../src/cluster/parse";
import { buildIamPolicy } from "../../../src/gen/iam-policy";

// Under Pacemaker the stonith device stops a node and, for a reboot, starts it again: the nodes'
// role must allow both on the nodes' instances, whether or not aws-ha's own fencing is on.

const pacemaker = parseClusterDescription(readFileSync("test/lab/fixtures/pacemaker-trio.yaml", "utf8"), "pacemaker-trio.yaml");
const instances = pacemaker.nodes.map((n) => `arn:aws:ec2:eu-west-1:*:instance/${n.instanceId}`);
const fencePeers = (d: typeof pacemaker) => buildIamPolicy(d).Statement.find((s) => s.Sid === "FencePeers");

describe("the IAM policy of a Pacemaker cluster", () => {
  it("lets the stonith device stop and start the nodes' instances, each action once", () => {
    expect(fencePeers(pacemaker)).toEqual({
      Sid: "FencePeers",
      Effect: "Allow",
      Action: ["ec2:StopInstances", "ec2:StartInstances"],
      Resource: instances,
    });
  });

  it("grants them with aws-ha's own fencing off as well", () => {
    const unfenced = { ...pacemaker, fencing: { ...pacemaker.fencing, enabled: false } };
    expect(fencePeers(unfenced)?.Action).toEqual(["ec2:StopInstances", "ec2:StartInstances"]);
    expect(buildIamPolicy(unfenced).Statement[0]!.Action).toContain("ec2:DescribeInstances");
  });

  it("names StopInstances once when aws-ha itself stops peers on takeover", () => {
    const stopping = { ...pacemaker, fencing: { ...pacemaker.fencing, enabled: false, stopPeerOnTakeover: true } };
    expect(fencePeers(stopping)?.Action).toEqual(["ec2:StopInstances", "ec2:StartInstances"]);
  });

  it("grants no StartInstances to a keepalived cluster", () => {
    const keepalived = { ...pacemaker, manager: "keepalived" as const };
    expect(fencePeers(keepalived)?.Action).toEqual(["ec2:StopInstances"]);
  });
});
