import { chmodSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { cloudAndLocal, nodeB } from "./support/cluster-fixture";
import { given } from "./support/given";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";

// keepalived runs aws-ha-notify as root, and aws-ha-notify runs the hooks and init scripts the
// description names. When a user other than root (or the user running aws-ha) could have changed
// the description, a command it names, or a directory on the way, the shipped aws-ha-notify
// refuses the event: exit 6, one line naming the file and the fix, and nothing moved or run.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Who may write a 0666 file this test process creates: its group too, unless that is root's. */
const everyone = process.getgid!() === 0 ? "others" : `group ${process.getgid!()} and others`;

const givenBHoldsTheCloud = () => startTwoNodeWorld({ resources: cloudAndLocal, given: (spec) => given.cloudOn(spec, nodeB) });

describe("aws-ha-notify acting on a description others could have changed", () => {
  it("refuses a world-writable description: exit 6, one line with the fix, no EC2 change, no hook", async () => {
    world = await givenBHoldsTheCloud();
    const before = world.snapshot();
    chmodSync(world.a.clusterFile, 0o666);

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(6);
    const file = world.a.clusterFile;
    const lines = master.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      `the cluster description ${file} decides what aws-ha runs as root, but file ${file} is writable by ${everyone} (mode 0666); chmod 0644 ${file}`,
    );
    expect(world.mutatingCalls()).toEqual([]);
    expect(world.snapshot()).toEqual(before);
    expect(world.a.scripts.journal()).toEqual([]);
  });

  it("refuses a description whose hook others can rewrite, naming where the description names it", async () => {
    world = await givenBHoldsTheCloud();
    const hook = world.a.scripts.hookScript;
    chmodSync(hook, 0o757);

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(6);
    expect(master.stderr).toContain(
      `names commands that a user other than root could change: resources[3].acquire[0] ${hook} runs as root, but file ${hook} is writable by others (mode 0757); chmod 0755 ${hook}`,
    );
    expect(world.mutatingCalls()).toEqual([]);
    expect(world.a.scripts.journal()).toEqual([]);
  });

  it("acts on the same description once it is 0644 again", async () => {
    world = await givenBHoldsTheCloud();
    chmodSync(world.a.clusterFile, 0o666);
    expect((await world.a.run(["master"])).code).toBe(6);

    chmodSync(world.a.clusterFile, 0o644);
    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(world.a.scripts.journal()).toEqual(["acquire", "start"]);
  });
});
