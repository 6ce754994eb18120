import { afterEach, describe, expect, it } from "vitest";
import { builtCli } from "./updateeip-support/run-cli";
import { readLog, resourceManagerBlocker, stageHeartbeat, type HeartbeatStage } from "./updateeip-support/resource-manager";
import { nodes, startTwoNodeCloud, webEip, type TwoNodeCloud } from "./updateeip-support/two-node-cloud";

// Heartbeat's own ResourceManager drives aws-ha-updateeip through the haresources line aws-ha-gen
// renders: takegroup on the node that takes over, givegroup on the node that steps down, and
// `status`, whose text (not exit code) tells Heartbeat whether the node owns the group.

const skip = resourceManagerBlocker();
if (skip) console.warn(`updateeip-heartbeat: skipped, ${skip}`);

const bin = builtCli("aws-ha-updateeip");
let cloud: TwoNodeCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

async function stage(eip: Record<string, unknown>): Promise<{ cloud: TwoNodeCloud; heartbeat: HeartbeatStage }> {
  cloud = await startTwoNodeCloud({ resources: [{ kind: "eip", ...eip }], extra: { heartbeat: {} } });
  return { cloud, heartbeat: stageHeartbeat(cloud, bin) };
}

function mutatingCalls(c: TwoNodeCloud, since: number): string[] {
  return c.ec2.calls
    .all(since)
    .map((call) => call.action)
    .filter((a) => a === "AssociateAddress" || a === "DisassociateAddress");
}

describe.skipIf(skip !== undefined)("ResourceManager runs aws-ha-updateeip from haresources", () => {
  it("takes the group on A, leaves EC2 alone when A gives it, and B takes the address over", async () => {
    const { cloud, heartbeat } = await stage(webEip);
    expect(heartbeat.haresources).toContain(`hb-a aws-ha-updateeip::${webEip.allocationId}\n`);

    const take = await heartbeat.run("a", "takegroup", heartbeat.groupKey);
    expect(take.code, readLog(heartbeat.debugLog)).toBe(0);
    expect(cloud.association(webEip.allocationId)).toMatchObject({ networkInterfaceId: nodes.a.eni, privateIp: nodes.a.address });
    expect(readLog(heartbeat.logFile)).toContain(`info: Running /etc/ha.d/resource.d/aws-ha-updateeip ${webEip.allocationId} start`);
    expect((await heartbeat.run("a", "status", heartbeat.groupKey)).code).toBe(0);
    expect((await heartbeat.run("b", "status", heartbeat.groupKey)).code).toBe(3);

    // ResourceManager asks status before start: a node that owns the group starts nothing.
    let since = Date.now();
    expect((await heartbeat.run("a", "takegroup", heartbeat.groupKey)).code).toBe(0);
    expect(mutatingCalls(cloud, since)).toEqual([]);

    since = Date.now();
    const give = await heartbeat.run("a", "givegroup", heartbeat.groupKey);
    expect(give.code, readLog(heartbeat.debugLog)).toBe(0);
    expect(readLog(heartbeat.logFile)).toContain(`info: Running /etc/ha.d/resource.d/aws-ha-updateeip ${webEip.allocationId} stop`);
    expect(mutatingCalls(cloud, since)).toEqual([]);

    const takeover = await heartbeat.run("b", "takegroup", heartbeat.groupKey);
    expect(takeover.code, readLog(heartbeat.debugLog)).toBe(0);
    expect(cloud.association(webEip.allocationId)).toMatchObject({ networkInterfaceId: nodes.b.eni, privateIp: nodes.b.address });
    expect((await heartbeat.run("a", "status", heartbeat.groupKey)).code).toBe(3);
    expect((await heartbeat.run("b", "status", heartbeat.groupKey)).code).toBe(0);
    expect(readLog(heartbeat.logFile)).not.toMatch(/ERROR|CRIT/);
  });

  it("with release: true in the description, givegroup disassociates and status says stopped", async () => {
    const { cloud, heartbeat } = await stage({ ...webEip, release: true });
    expect(heartbeat.groupKey).toBe(`aws-ha-updateeip::--release::${webEip.allocationId}`);

    expect((await heartbeat.run("a", "takegroup", heartbeat.groupKey)).code).toBe(0);
    expect(cloud.association(webEip.allocationId).networkInterfaceId).toBe(nodes.a.eni);

    const since = Date.now();
    const give = await heartbeat.run("a", "givegroup", heartbeat.groupKey);
    expect(give.code, readLog(heartbeat.debugLog)).toBe(0);
    expect(mutatingCalls(cloud, since)).toEqual(["DisassociateAddress"]);
    expect(cloud.association(webEip.allocationId).associationId).toBeUndefined();
    expect((await heartbeat.run("a", "status", heartbeat.groupKey)).code).toBe(3);
    expect(readLog(heartbeat.logFile)).not.toMatch(/ERROR|CRIT/);
  });
});
