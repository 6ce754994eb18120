import { afterEach, describe, expect, it } from "vitest";
import { nodeB, resource } from "./support/cluster-fixture";
import { given } from "./support/given";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";
import { cloudHolders } from "./support/world-view";

// Every EC2 call on the failover path is a round trip the clients wait for. Moving a VIP and the
// Elastic IP riding on it takes three dependent steps: inspect (both reads at once), the assignment,
// and one DescribeNetworkInterfaces that confirms the VIP and shows the Elastic IP came along with it.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const startWithBHoldingVipAndEip = () =>
  startTwoNodeWorld({
    resources: () => [resource.vip(), resource.eip()],
    given: (spec) => {
      given.vipOn(spec, nodeB);
      given.eipOn(spec, nodeB);
    },
  });

describe("given node B holds the VIP and the Elastic IP on it", () => {
  it("`master` on A moves both in three dependent EC2 steps, reading the association from the VIP's confirmation", async () => {
    world = await startWithBHoldingVipAndEip();
    const since = Date.now();

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a" });
    const calls = world.ec2.calls.all(since).filter((c) => !c.dryRun);
    const assigned = calls.findIndex((c) => c.action === "AssignPrivateIpAddresses");
    expect(assigned, "one assignment").toBeGreaterThan(0);
    // Before the assignment: inspect's two reads, sent together.
    expect(
      calls
        .slice(0, assigned)
        .map((c) => c.action)
        .sort(),
    ).toEqual(["DescribeAddresses", "DescribeNetworkInterfaces"]);
    // After it: one read confirms the VIP and, from the association EC2 lists per private address,
    // the Elastic IP; nothing else is asked.
    expect(calls.slice(assigned + 1).map((c) => c.action)).toEqual(["DescribeNetworkInterfaces"]);
    expect(master.stderr).toMatch(/came along with 10\.0\.1\.100/);
  });
});

describe("given node A's daemon ran an earlier event of this boot (keepalived's BACKUP at start)", () => {
  it("`master` starts from the identity that event kept in the run directory: its first EC2 call waits for no IMDS round trip; `check` asks IMDS all the same", async () => {
    world = await startWithBHoldingVipAndEip();
    const backup = await world.a.run(["backup"]);
    expect(backup.code, backup.stderr).toBe(0);
    const imds = world.imds.a.stats;
    const asked = { tokens: imds.tokenPuts, reads: imds.gets };
    expect(asked.reads, "the first event of the boot asked IMDS").toBeGreaterThan(0);

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a" });
    expect({ tokens: imds.tokenPuts, reads: imds.gets }).toEqual(asked);

    const check = await world.a.run(["check"]);
    expect(check.stdout).toMatch(/instance/i);
    expect(imds.tokenPuts, "check proves that IMDS answers").toBe(asked.tokens + 1);
  });
});

describe("given node B holds the overlay route", () => {
  it("`master` on A re-points it in three dependent EC2 steps: inspect reads the table and A's ENI, then the route and the source/dest check change together, then one read confirms", async () => {
    world = await startTwoNodeWorld({ resources: () => [resource.route()], given: (spec) => given.routeTo(spec, nodeB) });
    // Both changes slow: sent one after the other, in either order, they would arrive 400 ms apart.
    world.ec2.faults.inject({ kind: "latency", ms: 400, action: "ModifyNetworkInterfaceAttribute" });
    world.ec2.faults.inject({ kind: "latency", ms: 400, action: "ReplaceRoute" });
    const since = Date.now();

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ route: "node-a" });
    const steps = world.ec2.calls
      .all(since)
      .filter((c) => !c.dryRun)
      .map((c) => c.action);
    // Inspect's two reads first, then the two changes and the one confirming read, nothing more.
    expect(steps.slice(0, 2).sort()).toEqual(["DescribeNetworkInterfaces", "DescribeRouteTables"]);
    expect(steps.slice(2).sort()).toEqual(["DescribeRouteTables", "ModifyNetworkInterfaceAttribute", "ReplaceRoute"]);
    // Sent together: neither change waited for the other's answer.
    const route = world.ec2.calls.of("ReplaceRoute", since)[0]!;
    const check = world.ec2.calls.of("ModifyNetworkInterfaceAttribute", since)[0]!;
    expect(Math.abs(route.at - check.at)).toBeLessThan(200);
  });
});
