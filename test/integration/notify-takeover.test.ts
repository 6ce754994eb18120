import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { cloudAndLocal, ids, nodeA, nodeB } from "./support/cluster-fixture";
import { given } from "./support/given";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";
import { cloudHolders, eniOf } from "./support/world-view";

// keepalived elected node A: it runs `aws-ha-notify master`, and EC2 must now send the cluster's
// traffic to A. The real CLI, the real SDK over HTTP, the EC2 and IMDS stand-ins; no root needed
// (the volume has its own scenarios).

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("given a fresh cluster where nobody holds anything", () => {
  it("`master` on A assigns the VIP, associates the Elastic IP with it and routes the overlay address to A", async () => {
    world = await startTwoNodeWorld({ resources: cloudAndLocal });
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "nobody", eip: "nobody", route: "nobody" });

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a", route: "node-a" });
    // The Elastic IP is associated once the VIP is on A's ENI, never before.
    const calls = world.mutatingCalls().map((c) => c.action);
    expect(calls.indexOf("AssociateAddress")).toBeGreaterThan(calls.indexOf("AssignPrivateIpAddresses"));
    // No route existed yet: ReplaceRoute finds none, CreateRoute makes it.
    expect(world.ec2.calls.of("ReplaceRoute").map((c) => c.error)).toEqual(["InvalidParameterValue"]);
    expect(world.ec2.calls.of("CreateRoute").map((c) => c.error)).toEqual([undefined]);
  });
});

describe("given node B holds the VIP, the Elastic IP and the overlay route", () => {
  const start = () =>
    startTwoNodeWorld({
      resources: cloudAndLocal,
      given: (spec) => given.cloudOn(spec, nodeB),
    });

  it("when A runs `master`, EC2 sends everything to A and A runs the hook, then the service", async () => {
    world = await start();
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-b", eip: "node-b", route: "node-b" });

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    const after = world.snapshot();
    expect(cloudHolders(after)).toMatchObject({ vip: "node-a", eip: "node-a", route: "node-a" });
    // The VIP moved: B's ENI keeps only its own address.
    expect(after.interfaces.find((e) => e.instanceId === nodeB.instanceId)!.privateIps).toEqual([nodeB.address]);
    const eniA = after.interfaces.find((e) => e.instanceId === nodeA.instanceId)!;
    expect(eniA.privateIps).toEqual([nodeA.address, ids.vip]);
    // Overlay routes reach A only with its source/dest check off.
    expect(eniA.sourceDestCheck).toBe(false);
    expect(after.addresses.find((a) => a.allocationId === ids.allocationId)).toMatchObject({
      networkInterfaceId: eniOf(after, nodeA.instanceId),
      privateIp: ids.vip,
    });
    expect(world.a.scripts.journal()).toEqual(["acquire", "start"]);
    expect(world.a.scripts.serviceRunning()).toBe(true);
    expect(world.b.scripts.journal()).toEqual([]);
    // EC2 moved the Elastic IP along with the VIP's address, so A had nothing to associate.
    expect(world.ec2.calls.of("AssociateAddress")).toEqual([]);
    expect(master.stderr).toMatch(/acquire done\b.*changed=4/);
    expect(existsSync(world.a.lockFile)).toBe(false);
  });

  it("running `master` again on A makes no mutating EC2 call and changes nothing", async () => {
    world = await start();
    expect((await world.a.run(["master"])).code).toBe(0);
    const before = world.snapshot();
    const since = Date.now();

    const again = await world.a.run(["master"]);

    expect(again.code, again.stderr).toBe(0);
    expect(world.mutatingCalls(since)).toEqual([]);
    expect(world.snapshot()).toEqual(before);
    // The hook holds nothing that can be inspected, so it runs on every acquire; the service is left alone.
    expect(world.a.scripts.journal()).toEqual(["acquire", "start", "acquire"]);
    expect(again.stderr).toMatch(/acquire done\b.*changed=1/);
  });

  it("`backup` on the old master B stops B's service and runs its release hook, but leaves the VIP, EIP and route on A", async () => {
    world = await start();
    execFileSync(world.b.scripts.serviceScript, ["start"]);
    expect((await world.a.run(["master"])).code).toBe(0);
    const since = Date.now();

    const backup = await world.b.run(["backup"]);

    expect(backup.code, backup.stderr).toBe(0);
    expect(world.mutatingCalls(since)).toEqual([]);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a", route: "node-a" });
    // Services stop before the hooks run: release goes in reverse order. VIP, EIP and route have
    // release: false, so the new master simply keeps them.
    expect(world.b.scripts.journal()).toEqual(["start", "stop", "release"]);
    expect(world.b.scripts.serviceRunning()).toBe(false);
  });
});
