import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { cloudAndLocal, everything, ids, nodeB } from "./support/cluster-fixture";
import { given } from "./support/given";
import { asRoot, deviceNameTaken } from "./support/loop-disk";
import type { NotifyProcess } from "./support/notify-cli";
import { startTwoNodeWorld, type SimulatedNode, type TwoNodeWorld } from "./support/two-node-world";
import { waitFor } from "./support/wait";
import { cloudHolders } from "./support/world-view";

// keepalived forks one notify process per event and never waits for it, so a flapping instance
// fires master, backup and master on one node at once. The node's lock serialises them and the
// newest event wins: the node must end in the state of the newest event with nothing half-done and
// the lock free. The scenarios hand the lock over explicitly (held by the test, or by a transition
// stopped in its hook) once every event waits, so they never depend on how fast a process starts,
// and they name the events that were skipped. With root the volume takes part (loop device, mount).

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

/** What the log of an event that a newer one overtook says. */
const supersededByMaster = /skipped: superseded by master \(acquire\) that arrived later/;

/** Waits until each of the processes has issued its event's ticket, i.e. waits for the node's lock. */
async function waitingForTheLock(node: SimulatedNode, processes: readonly NotifyProcess[]): Promise<void> {
  await waitFor(
    `the events of PIDs ${processes.map((p) => p.pid).join(", ")} to issue their tickets`,
    () => processes.every((p) => node.ticketHolders().includes(p.pid)),
    20_000,
  );
}

describe("master, backup and master fired at one node at once", () => {
  it("end in the state of the newest event: the two older are skipped as superseded by it, nothing is half-done, the lock is free", async () => {
    world = await start();
    const { a } = world;
    // An earlier transition holds the lock while all three arrive, so all three wait for it; who
    // gets it first once it is free is up to the scheduler, and must not matter.
    const lock = a.holdLock();
    const events = ["master", "backup", "master"].map((word) => ({ word, process: a.start([word]) }));
    await waitingForTheLock(
      a,
      events.map((e) => e.process),
    );
    lock.release();
    const [older, backup, newest] = await Promise.all(events.map((e) => e.process.finished));

    for (const r of [older!, backup!, newest!]) expect(r.code, r.stderr).toBe(0);
    expect(older!.stderr).toMatch(supersededByMaster);
    expect(backup!.stderr).toMatch(supersededByMaster);
    expect(newest!.stderr).not.toMatch(/skipped/);
    expect(newestEvent(a, events)).toBe("master");
    expect(a.ticketHolders()).toEqual([events[2]!.process.pid]);
    // Only the newest ran: the hook once, the service started once, nothing released in between.
    expect(a.scripts.journal()).toEqual(["acquire", "start"]);
    expect(existsSync(a.lockFile)).toBe(false);
    const resources = await shown(a);
    // Nothing half-done: no resource is partly here (an attachment without its mount, and the like).
    expect(resources.filter((r) => r.partial)).toEqual([]);
    await expectHoldsEverything(a);
  });

  it("in that order, while the first still runs: the backup is skipped as superseded and A holds everything", async () => {
    world = await start();
    const { a } = world;
    // The first master stops in its hook, holding the lock, until the other two are waiting.
    const hook = a.scripts.holdHook();
    const first = a.start(["master"]);
    await waitFor("the first master to run its hook", () => a.scripts.journal().includes("acquire"), 20_000);
    const backup = a.start(["backup"]);
    const last = a.start(["master"]);
    await waitingForTheLock(a, [backup, last]);
    expect(existsSync(a.lockFile), "the first master still holds the lock").toBe(true);
    hook.release();
    const [r1, r2, r3] = await Promise.all([first.finished, backup.finished, last.finished]);

    for (const r of [r1, r2, r3]) expect(r.code, r.stderr).toBe(0);
    expect(r1.stderr).not.toMatch(/skipped/);
    expect(r2.stderr).toMatch(supersededByMaster);
    expect(r3.stderr).not.toMatch(/skipped/);
    // The first master acquired and started the service; the last one ran the hook again only.
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
