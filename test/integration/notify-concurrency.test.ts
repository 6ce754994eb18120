import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { cloudAndLocal, everything, ids, nodeB } from "./support/cluster-fixture";
import { given } from "./support/given";
import { asRoot, deviceNameTaken } from "./support/loop-disk";
import type { NotifyProcess, NotifyResult } from "./support/notify-cli";
import { startTwoNodeWorld, type SimulatedNode, type TwoNodeWorld } from "./support/two-node-world";
import { sleep } from "./support/wait";
import { cloudHolders } from "./support/world-view";

// keepalived forks one notify process per event and never waits for it, so a flapping instance
// fires master, backup and master on one node at once. The node's lock serialises them and the
// newest event wins; whatever the interleaving, the node must end in the state of the newest event
// with nothing half-done and the lock free. With root the volume takes part (loop device, mount).

const withVolume = asRoot && !deviceNameTaken(ids.device);
if (!withVolume) console.warn("notify-concurrency: without root (or with a real /dev/sdp) the volume does not take part");

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const start = () =>
  startTwoNodeWorld({
    resources: withVolume ? everything : cloudAndLocal,
    disk: withVolume,
    given: (spec) => given.cloudOn(spec, nodeB),
    // Slow EC2: the first transition is still running when the other events arrive.
    timing: { attachMs: 300, detachMs: 300 },
  });

interface ShownResource {
  name: string;
  kind: string;
  held: boolean;
  partial?: boolean;
}

async function shown(node: SimulatedNode): Promise<ShownResource[]> {
  const show = await node.run(["show", "--json"]);
  expect(show.code, show.stderr).toBe(0);
  return (JSON.parse(show.stdout) as { resources: ShownResource[] }).resources;
}

/** Which of the events is the newest: the ticket that stays in the run directory names its PID. */
function newestEvent(node: SimulatedNode, events: { word: string; process: NotifyProcess }[]): string {
  const tickets = node.tickets();
  expect(tickets).toHaveLength(1);
  const pid = Number(tickets[0]!.split("-")[1]);
  const event = events.find((e) => e.process.pid === pid);
  expect(event, `ticket ${tickets[0]} belongs to none of the events`).toBeDefined();
  return event!.word;
}

async function expectHoldsEverything(node: SimulatedNode): Promise<void> {
  expect(cloudHolders(world!.snapshot())).toEqual({
    vip: node.name,
    eip: node.name,
    route: node.name,
    volume: withVolume ? `${node.name} (attached)` : "nobody",
  });
  if (withVolume) expect(world!.disk!.mountPoints()).toEqual([node.mountPoint]);
  expect(node.scripts.serviceRunning()).toBe(true);
  const resources = await shown(node);
  expect(resources.filter((r) => r.kind !== "hook").every((r) => r.held)).toBe(true);
}

describe("master, backup and master fired at one node at once", () => {
  it("end in the state of the newest event, with nothing half-done and the lock free", async () => {
    world = await start();
    const { a } = world;
    world.ec2.faults.inject({ kind: "latency", ms: 100 });

    const events = ["master", "backup", "master"].map((word) => ({ word, process: a.start([word]) }));
    const results: NotifyResult[] = await Promise.all(events.map((e) => e.process.finished));

    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const newest = newestEvent(a, events);
    expect(existsSync(a.lockFile)).toBe(false);
    const resources = await shown(a);
    // Nothing half-done: no resource is partly here (an attachment without its mount, and the like).
    expect(resources.filter((r) => r.partial)).toEqual([]);
    if (newest === "master") await expectHoldsEverything(a);
    else {
      expect(a.scripts.serviceRunning()).toBe(false);
      if (withVolume) {
        expect(cloudHolders(world.snapshot()).volume).toBe("nobody");
        expect(world.disk!.mountPoints()).toEqual([]);
      }
    }
  });

  it("in that order, while the first still runs: the backup is skipped as superseded and A holds everything", async () => {
    world = await start();
    const { a } = world;
    world.ec2.faults.inject({ kind: "latency", ms: 150 });

    // Far enough apart that they arrive in this order, close enough that all three overlap.
    const first = a.start(["master"]);
    await sleep(300);
    const backup = a.start(["backup"]);
    await sleep(300);
    const last = a.start(["master"]);
    const [r1, r2, r3] = await Promise.all([first.finished, backup.finished, last.finished]);

    for (const r of [r1, r2, r3]) expect(r.code, r.stderr).toBe(0);
    expect(r1.ms).toBeGreaterThan(600);
    expect(r2.stderr).toMatch(/skipped: superseded by master \(acquire\) that arrived later/);
    expect(a.scripts.journal()).toEqual(["acquire", "start", "acquire"]);
    expect(newestEvent(a, [{ word: "master", process: last }])).toBe("master");
    expect(existsSync(a.lockFile)).toBe(false);
    await expectHoldsEverything(a);
  });
});

describe("a lock left behind by a transition that was killed", () => {
  it("does not hold up the next transition: its owner is gone, so the lock is taken over", async () => {
    world = await start();
    const { a } = world;
    const dead = spawnSync("true");
    mkdirSync(a.runDir, { recursive: true });
    writeFileSync(a.lockFile, `${dead.pid}\n`);

    const master = await a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(master.ms).toBeLessThan(15_000);
    expect(existsSync(a.lockFile)).toBe(false);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a", route: "node-a" });
  });
});
