import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { cloudAndLocal } from "./support/cluster-fixture";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";
import { cloudHolders } from "./support/world-view";

// Heartbeat (haresources) and Pacemaker (lsb:) call aws-ha-notify as an init script with the action
// last. Heartbeat reads only the *text* of `status` ("running" means held) and reboots a node whose
// `stop` fails while status still says running, so `stop` of what is not held must succeed.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("init-style actions, as Heartbeat and Pacemaker run them", () => {
  it("after `start` on A, `status` says running on A (exit 0) and stopped on B (exit 3)", async () => {
    world = await startTwoNodeWorld({ resources: cloudAndLocal });
    const started = await world.a.run(["start"]);
    expect(started.code, started.stderr).toBe(0);

    const onA = await world.a.run(["status"]);
    const onB = await world.b.run(["status"]);

    expect([onA.code, onA.stdout]).toEqual([0, "aws-ha itest is running\n"]);
    expect([onB.code, onB.stdout]).toEqual([3, "aws-ha itest is stopped\n"]);
    // Heartbeat greps the text: the word "running" must not appear where the resources are not held.
    expect(onB.stdout).not.toMatch(/running/i);
  });

  it("`status` on a node that holds only part of it says stopped and names what it holds", async () => {
    world = await startTwoNodeWorld({ resources: cloudAndLocal });
    expect((await world.a.run(["start", "--only", "vip"])).code).toBe(0);

    const onA = await world.a.run(["status"]);

    expect(onA.code).toBe(3);
    expect(onA.stdout).toBe("aws-ha itest is stopped (holds web-vip of 4)\n");
  });

  it("`stop` of what this node does not hold exits 0 and makes no EC2 change; so does a second `stop`", async () => {
    world = await startTwoNodeWorld({ resources: cloudAndLocal });
    expect((await world.a.run(["start"])).code).toBe(0);
    const since = Date.now();

    const onB = await world.b.run(["stop"]);
    const onA = await world.a.run(["stop"]);
    const again = await world.a.run(["stop"]);

    for (const r of [onB, onA, again]) expect(r.code, r.stderr).toBe(0);
    expect(world.mutatingCalls(since)).toEqual([]);
    expect(world.a.scripts.serviceRunning()).toBe(false);
    // release: false: the addresses stay where they are until another node takes them.
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a", route: "node-a" });
    expect((await world.a.run(["status"])).code).toBe(3);
  });

  it("`restart` releases, then acquires again", async () => {
    world = await startTwoNodeWorld({ resources: cloudAndLocal });
    expect((await world.a.run(["start"])).code).toBe(0);

    const restart = await world.a.run(["restart"]);

    expect(restart.code, restart.stderr).toBe(0);
    expect(world.a.scripts.journal()).toEqual(["acquire", "start", "stop", "release", "acquire", "start"]);
    expect((await world.a.run(["status"])).stdout).toBe("aws-ha itest is running\n");
  });
});

describe("bad arguments", () => {
  const cases: [string, string[], RegExp][] = [
    ["an unknown state word", ["bogus"], /unknown state "bogus"/],
    ["an unknown state in keepalived's generic form", ["INSTANCE", "VI_1", "BOGUS", "100"], /unknown state "BOGUS"/],
    ["an unknown option", ["--frobnicate", "master"], /unknown option --frobnicate/],
    ["no action at all", [], /no action given/],
    ["an --only that names nothing", ["master", "--only", "nosuch"], /--only nosuch: no such resource kind or name/],
  ];

  for (const [what, args, message] of cases)
    it(`${what}: one message, the usage, exit 2, and nothing touched`, async () => {
      world = await startTwoNodeWorld({ resources: cloudAndLocal });

      const r = await world.a.run(args);

      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      if (!args.includes("--only")) expect(r.stderr).toContain("Usage:\n  keepalived (notify_master");
      expect(world.mutatingCalls()).toEqual([]);
      expect(existsSync(world.a.lockFile)).toBe(false);
      expect(world.a.tickets()).toEqual([]);
      expect(world.a.scripts.journal()).toEqual([]);
    });
});
