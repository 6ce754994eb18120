import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cloudAndLocal, cluster, nodeB } from "./support/cluster-fixture";
import { given } from "./support/given";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";
import { cloudHolders } from "./support/world-view";

// The run directory decides which event wins and who holds the lock. Placed in a sticky
// world-writable directory, another user can make it first and plant a ticket of a "newer" event
// (root's master then does nothing) or a lock (root's master then waits and fails). aws-ha refuses a
// run directory that is not its own alone, with the command that fixes it, and changes nothing.

const asRoot = process.getuid?.() === 0;

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const start = () => startTwoNodeWorld({ resources: cloudAndLocal, given: (spec) => given.cloudOn(spec, nodeB) });

/** What an earlier version read as an event newer than any other: its tickets were named by the wall clock. */
const plantedTicket = "99999999999999999999-00000001-0";

describe("a run directory that is not this user's alone", () => {
  it.runIf(asRoot)("made first by another user, with a ticket planted in it: master refuses it (exit 6) and moves nothing", async () => {
    world = await start();
    const { a } = world;
    mkdirSync(join(a.runDir, `${cluster}.events`), { recursive: true, mode: 0o755 });
    writeFileSync(join(a.runDir, `${cluster}.events`, plantedTicket), "");
    chownSync(join(a.runDir, `${cluster}.events`), 65534, 65534);
    chownSync(a.runDir, 65534, 65534);

    const master = await a.run(["master"]);

    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-b", eip: "node-b", route: "node-b" });
    expect(master.code, master.stderr).toBe(6);
    expect(master.stderr).toContain(`paths.runDir ${a.runDir} belongs to uid 65534, not to root`);
    expect(master.stderr).toContain(`rm -rf ${a.runDir}`);
    expect(master.stderr).toContain(`chown root:root ${a.runDir}; chmod 0700 ${a.runDir}`);
  });

  it("writable by everyone, with a lock planted in it: master refuses it (exit 6) at once and moves nothing", async () => {
    world = await start();
    const { a } = world;
    mkdirSync(a.runDir);
    chmodSync(a.runDir, 0o1777);
    // An earlier version's lock naming PID 1, which never exits.
    writeFileSync(a.lockFile, "1\n");

    const master = await a.run(["master"]);

    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-b", eip: "node-b", route: "node-b" });
    expect(master.code, master.stderr).toBe(6);
    expect(master.ms).toBeLessThan(5_000);
    expect(master.stderr).toMatch(new RegExp(`paths.runDir ${a.runDir} is writable by others \\(mode 1777\\).*chmod 0700 ${a.runDir}`));
  });

  it("that is missing is created 0700 as this user's, and master works", async () => {
    world = await start();
    const { a } = world;

    const master = await a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a", route: "node-a" });
    expect(statSync(a.runDir).mode & 0o777).toBe(0o700);
  });
});

describe("an events directory that is a regular file", () => {
  it("gets a clear error naming it and the fix (exit 6), not a raw system error", async () => {
    world = await start();
    const { a } = world;
    mkdirSync(a.runDir, { mode: 0o700 });
    writeFileSync(join(a.runDir, `${cluster}.events`), "");

    const master = await a.run(["master"]);

    expect(master.code, master.stderr).toBe(6);
    const events = join(a.runDir, `${cluster}.events`);
    expect(master.stderr).toContain(`${events} is not a directory`);
    expect(master.stderr).toContain(`rm ${events}`);
    expect(master.stderr).not.toMatch(/EEXIST|ENOTDIR/);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-b" });
  });
});
