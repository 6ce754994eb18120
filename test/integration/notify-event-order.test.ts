import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resource } from "./support/cluster-fixture";
import type { NotifyProcess, NotifyResult } from "./support/notify-cli";
import { startTwoNodeWorld, type SimulatedNode, type TwoNodeWorld } from "./support/two-node-world";
import { waitFor } from "./support/wait";

// keepalived forks one notify process per event, in the order of the events, and never waits. Two
// events a few milliseconds apart therefore start two processes a few milliseconds apart; whichever
// Node start-up is faster must not decide the outcome. The node ends in the state of the event
// keepalived sent last, in every pair. Nor may the wall clock decide: NTP steps it, backwards too.
// Each interleaving is made explicit (a process held back before Node runs it, the node's lock held
// until both events wait), so every scenario knows which event must be skipped and which must run.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

type Word = "master" | "backup" | "stop";
const directionOf = { master: "acquire", backup: "release", stop: "release" } as const;

/** The line an event that a newer one overtook logs, naming the newer one. */
const skippedFor = (newer: Word) => new RegExp(`skipped: superseded by ${newer} \\(${directionOf[newer]}\\) that arrived later`);

/**
 * A gate for slow start-ups: a process started with `env` is forked at once (its event is stamped
 * then) but Node runs none of aws-ha until the gate opens, as when its start-up is slower than a
 * later event's. Bounded: it opens by itself after 20 s.
 */
function startUpGate(node: SimulatedNode, name: string): { env: NodeJS.ProcessEnv; open(): void } {
  const gate = join(node.dir, `${name}.gate`);
  const preload = join(node.dir, `${name}.cjs`);
  writeFileSync(gate, "");
  writeFileSync(
    preload,
    `const { existsSync } = require("node:fs");
const until = Date.now() + 20000;
const pause = new Int32Array(new SharedArrayBuffer(4));
while (existsSync(${JSON.stringify(gate)}) && Date.now() < until) Atomics.wait(pause, 0, 0, 10);
`,
  );
  return { env: { NODE_OPTIONS: `--require ${preload}` }, open: () => rmSync(gate, { force: true }) };
}

/** Waits until each process's event has its ticket, i.e. the event was stamped and now waits for the node's lock. */
async function waitingForTheLock(node: SimulatedNode, processes: readonly NotifyProcess[]): Promise<void> {
  await waitFor(
    `the events of PIDs ${processes.map((p) => p.pid).join(", ")} to issue their tickets`,
    () => processes.every((p) => node.ticketHolders().includes(p.pid)),
    20_000,
  );
}

/** How the two processes' start-ups interleave, and what that must lead to. */
type Interleaving = "older starts slower" | "both wait for the lock" | "newer starts slower";

/** Fires `first`, then `second`, as keepalived forks them, in the given interleaving; both must succeed. */
async function firePair(
  node: SimulatedNode,
  first: Word,
  second: Word,
  how: Interleaving,
): Promise<{ older: NotifyResult; newer: NotifyResult }> {
  let older: NotifyResult;
  let newer: NotifyResult;
  if (how === "both wait for the lock") {
    const lock = node.holdLock();
    const olderRun = node.start([first]);
    const newerRun = node.start([second]);
    await waitingForTheLock(node, [olderRun, newerRun]);
    lock.release();
    [older, newer] = await Promise.all([olderRun.finished, newerRun.finished]);
  } else if (how === "older starts slower") {
    const gate = startUpGate(node, "older");
    const olderRun = node.start([first], { env: gate.env });
    newer = await node.start([second]).finished;
    gate.open();
    older = await olderRun.finished;
  } else {
    const gate = startUpGate(node, "newer");
    const olderRun = node.start([first]);
    const newerRun = node.start([second], { env: gate.env });
    older = await olderRun.finished;
    gate.open();
    newer = await newerRun.finished;
  }
  for (const result of [older, newer]) expect(result.code, result.stderr).toBe(0);
  return { older, newer };
}

/** The events whose hook ran, from the journal lines they added ("acquire" for master, "release" for backup). */
function hooksRun(journal: readonly string[]): Word[] {
  return journal.flatMap((line): Word[] => (line === "acquire" ? ["master"] : line === "release" ? ["backup"] : []));
}

describe("two events a few milliseconds apart, one notify process each", () => {
  const interleavings: Interleaving[] = ["older starts slower", "both wait for the lock", "newer starts slower"];

  it("end in the state of the newer event whichever process is quicker, and skip the older one whenever it comes last", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.vip(), resource.hook(node), resource.service(node)] });
    const { a } = world;
    const outcomes: string[] = [];
    for (const how of interleavings) {
      // Alternate, so that each pair starts in the state its older event asks for and only the
      // newer event can change it.
      for (const [first, second] of [
        ["master", "backup"],
        ["backup", "master"],
      ] as [Word, Word][]) {
        const journalBefore = a.scripts.journal().length;
        const { older, newer } = await firePair(a, first, second, how);
        const what = `${first}→${second}, ${how}`;
        const ended = a.scripts.serviceRunning() ? "master" : "backup";
        outcomes.push(`${what}: ${ended === second ? "newer won" : "OLDER WON"}`);
        expect(newer.stderr, what).not.toMatch(/skipped/);
        if (how === "newer starts slower") {
          // The older event ran before the newer one was even stamped: both run, in their order.
          expect(older.stderr, what).not.toMatch(/skipped/);
          expect(hooksRun(a.scripts.journal().slice(journalBefore)), what).toEqual([first, second]);
        } else {
          expect(older.stderr, what).toMatch(skippedFor(second));
          expect(hooksRun(a.scripts.journal().slice(journalBefore)), what).toEqual([second]);
        }
      }
    }
    expect(
      outcomes.filter((o) => o.endsWith("OLDER WON")),
      outcomes.join("\n"),
    ).toEqual([]);
  }, 180_000);
});

describe("a stop, which finishes in a detached worker, and a master a few milliseconds apart", () => {
  it("stop then master: the worker, forked after the master, carries the stop's stamp and is skipped as superseded by the master", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.vip(), resource.hook(node), resource.service(node)] });
    const { a } = world;
    expect((await a.run(["master"])).code).toBe(0);
    const lock = a.holdLock();
    // The stop's process starts only once the master waits, so its worker is surely forked later.
    const gate = startUpGate(a, "stop");
    const stop = a.start(["stop"], { env: gate.env });
    const master = a.start(["master"]);
    await waitingForTheLock(a, [master]);
    gate.open();
    // The worker issues the ticket, stamped with its parent's event.
    await waitingForTheLock(a, [stop]);
    lock.release();
    const [stopped, mastered] = await Promise.all([stop.finished, master.finished]);

    for (const result of [stopped, mastered]) expect(result.code, result.stderr).toBe(0);
    expect(stopped.stderr).toMatch(skippedFor("master"));
    expect(mastered.stderr).not.toMatch(/skipped/);
    expect(a.scripts.serviceRunning()).toBe(true);
    expect(a.ticketHolders()).toEqual([master.pid]);
  }, 60_000);

  it("master then stop: the master is skipped as superseded by the stop, and the worker releases", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.vip(), resource.hook(node), resource.service(node)] });
    const { a } = world;
    expect((await a.run(["master"])).code).toBe(0);
    const lock = a.holdLock();
    const master = a.start(["master"]);
    const stop = a.start(["stop"]);
    await waitingForTheLock(a, [master, stop]);
    lock.release();
    const [mastered, stopped] = await Promise.all([master.finished, stop.finished]);

    for (const result of [stopped, mastered]) expect(result.code, result.stderr).toBe(0);
    expect(mastered.stderr).toMatch(skippedFor("stop"));
    expect(stopped.stderr).not.toMatch(/skipped/);
    expect(a.scripts.serviceRunning()).toBe(false);
    expect(a.ticketHolders()).toEqual([stop.pid]);
  }, 60_000);
});

/**
 * Runs `args` in a process whose wall clock reads `aheadMs` later than the machine's boot clock
 * says: as every process did before NTP stepped the clock back by that much.
 */
function runWithWallClockAhead(node: SimulatedNode, args: readonly string[], aheadMs: number) {
  const preload = join(node.dir, "wall-clock-ahead.cjs");
  writeFileSync(
    preload,
    `const ahead = ${aheadMs};
const now = Date.now;
Date.now = () => now() + ahead;
Object.defineProperty(performance, "timeOrigin", { value: performance.timeOrigin + ahead });
`,
  );
  return node.start(args, { env: { NODE_OPTIONS: `--require ${preload}` } }).finished;
}

describe("an NTP step of the wall clock 60 s back between two events", () => {
  const acquires = [["master"], ["INSTANCE", "VI_1", "MASTER", "150"], ["start"]];

  it("does not make the later event look older: master, the generic MASTER and start each acquire", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.vip(), resource.hook(node), resource.service(node)] });
    const { a } = world;
    for (const acquire of acquires) {
      const before = await runWithWallClockAhead(a, ["backup"], 60_000);
      expect(before.code, before.stderr).toBe(0);
      expect(a.scripts.serviceRunning()).toBe(false);

      const after = await a.run(acquire);

      expect(after.code, after.stderr).toBe(0);
      expect(after.stderr, acquire.join(" ")).not.toMatch(/skipped/);
      expect(a.scripts.serviceRunning(), acquire.join(" ")).toBe(true);
      const status = await a.run(["status"]);
      expect(status).toMatchObject({ code: 0, stdout: expect.stringMatching(/ is running\n$/) });
    }
  }, 120_000);
});
