import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resource } from "./support/cluster-fixture";
import { startTwoNodeWorld, type SimulatedNode, type TwoNodeWorld } from "./support/two-node-world";
import { sleep } from "./support/wait";

// keepalived forks one notify process per event, in the order of the events, and never waits. Two
// events a few milliseconds apart therefore start two processes a few milliseconds apart; whichever
// Node start-up is faster must not decide the outcome. The node ends in the state of the event
// keepalived sent last, in every pair. Nor may the wall clock decide: NTP steps it, backwards too.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** How far apart keepalived's two forks are in these scenarios. */
const gapMs = 3;
const pairs = 10;

type Word = "master" | "backup";

/** Fires `first`, then `second` gapMs later, as keepalived forks them, and waits for both to finish. */
async function firePair(node: SimulatedNode, first: Word, second: Word): Promise<void> {
  const older = node.start([first], { timeoutMs: 30_000 });
  await sleep(gapMs);
  const newer = node.start([second], { timeoutMs: 30_000 });
  for (const result of await Promise.all([older.finished, newer.finished])) expect(result.code, result.stderr).toBe(0);
}

describe("two events a few milliseconds apart, one notify process each", () => {
  it(`end in the state of the newer event in each of ${pairs} pairs ${gapMs} ms apart`, async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.vip(), resource.hook(node), resource.service(node)] });
    const { a } = world;
    const outcomes: string[] = [];
    for (let pair = 0; pair < pairs; pair++) {
      // Alternate, so that each pair starts in the state its older event asks for and only the
      // newer event can change it.
      const [first, second]: [Word, Word] = pair % 2 === 0 ? ["master", "backup"] : ["backup", "master"];
      await firePair(a, first, second);
      const ended = a.scripts.serviceRunning() ? "master" : "backup";
      outcomes.push(`${first}→${second}: ${ended === second ? "newer won" : "OLDER WON"}`);
    }
    const newerWon = outcomes.filter((o) => o.endsWith("newer won")).length;
    console.info(`notify-event-order: the newer event won ${newerWon} of ${pairs} pairs fired ${gapMs} ms apart`);
    expect(
      outcomes.filter((o) => o.endsWith("OLDER WON")),
      outcomes.join("\n"),
    ).toEqual([]);
  }, 180_000);
});

describe("a stop, which finishes in a detached worker, and a master a few milliseconds apart", () => {
  it("count as keepalived sent them: the worker carries the stop's stamp, not its own later start", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.vip(), resource.hook(node), resource.service(node)] });
    const { a } = world;
    const outcomes: string[] = [];
    for (let pair = 0; pair < 4; pair++) {
      const [first, second]: [string, string] = pair % 2 === 0 ? ["stop", "master"] : ["master", "stop"];
      const older = a.start([first], { timeoutMs: 30_000 });
      await sleep(gapMs);
      const newer = a.start([second], { timeoutMs: 30_000 });
      for (const result of await Promise.all([older.finished, newer.finished])) expect(result.code, result.stderr).toBe(0);
      const ended = a.scripts.serviceRunning() ? "master" : "stop";
      outcomes.push(`${first}→${second}: ${ended === second ? "newer won" : "OLDER WON"}`);
    }
    expect(
      outcomes.filter((o) => o.endsWith("OLDER WON")),
      outcomes.join("\n"),
    ).toEqual([]);
  }, 120_000);
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
  node.env.NODE_OPTIONS = `--require ${preload}`;
  try {
    return node.start(args).finished;
  } finally {
    delete node.env.NODE_OPTIONS;
  }
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
