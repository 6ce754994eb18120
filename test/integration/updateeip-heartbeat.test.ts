import { afterEach, describe, expect, it } from "vitest";
import { ids, resource } from "./support/cluster-fixture";
import { readLog, resourceManagerBlocker, stageHeartbeat, type HeartbeatStage } from "./support/resource-manager";
import { builtCli } from "./support/run-cli";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";

// Heartbeat's own ResourceManager drives aws-ha-updateeip through the haresources line aws-ha-gen
// renders: takegroup on the node that takes over, givegroup on the node that steps down, and
// `status`, whose text (not exit code) tells Heartbeat whether the node owns the group.

const skip = resourceManagerBlocker();
if (skip) console.warn(`updateeip-heartbeat: skipped, ${skip}`);

const bin = builtCli("aws-ha-updateeip");
const webEip = { allocationId: ids.allocationId } as const;
let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function stage(release: boolean): Promise<{ world: TwoNodeWorld; heartbeat: HeartbeatStage }> {
  world = await startTwoNodeWorld({ manager: "heartbeat", heartbeat: {}, resources: () => [resource.eipOnPrimary(release)] });
  return { world, heartbeat: stageHeartbeat(world, bin) };
}

/** The mutating EC2 actions called since `since`. */
function mutatingCalls(w: TwoNodeWorld, since: number): string[] {
  return w.mutatingCalls(since).map((call) => call.action);
}

describe.skipIf(skip !== undefined)("ResourceManager runs aws-ha-updateeip from haresources", () => {
  it("takes the group on A, leaves EC2 alone when A gives it, and B takes the address over", async () => {
    const { world, heartbeat } = await stage(false);
    expect(heartbeat.haresources).toContain(`node-a aws-ha-updateeip::${webEip.allocationId}\n`);

    const take = await heartbeat.run("a", "takegroup", heartbeat.groupKey);
    expect(take.code, readLog(heartbeat.debugLog)).toBe(0);
    expect(world.association(webEip.allocationId)).toMatchObject({
      networkInterfaceId: world.a.networkInterfaceId,
      privateIp: world.a.address,
    });
    expect(readLog(heartbeat.logFile)).toContain(`info: Running /etc/ha.d/resource.d/aws-ha-updateeip ${webEip.allocationId} start`);
    expect((await heartbeat.run("a", "status", heartbeat.groupKey)).code).toBe(0);
    expect((await heartbeat.run("b", "status", heartbeat.groupKey)).code).toBe(3);

    // ResourceManager asks status before start: a node that owns the group starts nothing.
    let since = Date.now();
    expect((await heartbeat.run("a", "takegroup", heartbeat.groupKey)).code).toBe(0);
    expect(mutatingCalls(world, since)).toEqual([]);

    since = Date.now();
    const give = await heartbeat.run("a", "givegroup", heartbeat.groupKey);
    expect(give.code, readLog(heartbeat.debugLog)).toBe(0);
    expect(readLog(heartbeat.logFile)).toContain(`info: Running /etc/ha.d/resource.d/aws-ha-updateeip ${webEip.allocationId} stop`);
    expect(mutatingCalls(world, since)).toEqual([]);

    const takeover = await heartbeat.run("b", "takegroup", heartbeat.groupKey);
    expect(takeover.code, readLog(heartbeat.debugLog)).toBe(0);
    expect(world.association(webEip.allocationId)).toMatchObject({
      networkInterfaceId: world.b.networkInterfaceId,
      privateIp: world.b.address,
    });
    expect((await heartbeat.run("a", "status", heartbeat.groupKey)).code).toBe(3);
    expect((await heartbeat.run("b", "status", heartbeat.groupKey)).code).toBe(0);
    expect(readLog(heartbeat.logFile)).not.toMatch(/ERROR|CRIT/);
  });

  it("with release: true in the description, givegroup disassociates and status says stopped", async () => {
    const { world, heartbeat } = await stage(true);
    expect(heartbeat.groupKey).toBe(`aws-ha-updateeip::--release::${webEip.allocationId}`);

    expect((await heartbeat.run("a", "takegroup", heartbeat.groupKey)).code).toBe(0);
    expect(world.association(webEip.allocationId).networkInterfaceId).toBe(world.a.networkInterfaceId);

    const since = Date.now();
    const give = await heartbeat.run("a", "givegroup", heartbeat.groupKey);
    expect(give.code, readLog(heartbeat.debugLog)).toBe(0);
    expect(mutatingCalls(world, since)).toEqual(["DisassociateAddress"]);
    expect(world.association(webEip.allocationId).associationId).toBeUndefined();
    expect((await heartbeat.run("a", "status", heartbeat.groupKey)).code).toBe(3);
    expect(readLog(heartbeat.logFile)).not.toMatch(/ERROR|CRIT/);
  });
});
