import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildSync } from "esbuild";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Deadline } from "../../src/time/deadline";
import { TransitionLock } from "../../src/transition/lock";
import { bootId, statOf, thisProcess } from "../../src/transition/process-start";
import { memoryLog } from "./support/memory-log";

// The node's transition lock: one transition at a time, and a lock whose owner is gone never holds
// the next transition up until its deadline, whatever shape it was left in.

const runDir = () => mkdtempSync(join(tmpdir(), "aws-ha-lock-"));
const boot8 = bootId().replace(/-/g, "").slice(0, 8);
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill("SIGKILL");
});

/** A live process that is not an aws-ha transition (what a reused PID belongs to). */
function otherProcess(): { pid: number; start: number } {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  started.push(child);
  return { pid: child.pid!, start: statOf(child.pid!)!.start };
}

const deadPid = () => spawnSync("true").pid!;

/** A lock of this version, as its owner would have left it. */
function plantOwned(dir: string, entry: string): void {
  mkdirSync(join(dir, "web.lock"));
  writeFileSync(join(dir, "web.lock", entry), "");
}

async function acquireQuickly(dir: string): Promise<{ lock: TransitionLock; lines: string[]; ms: number }> {
  const { log, lines } = memoryLog();
  const began = performance.now();
  const lock = await TransitionLock.acquire(dir, "web", new Deadline(3_000), { log });
  return { lock, lines, ms: performance.now() - began };
}

const ownEntry = () => `${process.pid}-${thisProcess().start}-${boot8}`;

describe("the transition lock", () => {
  it("serialises holders: the second waits until the first releases", async () => {
    const dir = runDir();
    const first = await TransitionLock.acquire(dir, "web", new Deadline(5_000));
    const order: string[] = [];
    const second = TransitionLock.acquire(dir, "web", new Deadline(5_000)).then((l) => (order.push("second"), l));
    await new Promise((r) => setTimeout(r, 100));
    order.push("first releases");
    await first.release();
    await (await second).release();
    expect(order).toEqual(["first releases", "second"]);
    expect(existsSync(join(dir, "web.lock"))).toBe(false);
  });

  it("names its owner by PID, start time and boot, and exists only with that name inside", async () => {
    const dir = runDir();
    const lock = await TransitionLock.acquire(dir, "web", new Deadline(1_000));
    expect(readdirSync(join(dir, "web.lock"))).toEqual([ownEntry()]);
    expect(readdirSync(dir)).toEqual(["web.lock"]);
    await lock.release();
  });

  it("gives up at the deadline while a live owner holds the lock, naming the lock", async () => {
    const dir = runDir();
    const held = await TransitionLock.acquire(dir, "web", new Deadline(5_000));
    await expect(TransitionLock.acquire(dir, "web", new Deadline(150))).rejects.toMatchObject({
      kind: "timeout",
      message: expect.stringContaining("web.lock"),
    });
    await held.release();
  });

  it("never takes the lock of a live owner from another process", async () => {
    const dir = runDir();
    const owner = otherProcess();
    plantOwned(dir, `${owner.pid}-${owner.start}-${boot8}`);
    await expect(TransitionLock.acquire(dir, "web", new Deadline(300))).rejects.toMatchObject({ kind: "timeout" });
    expect(readdirSync(join(dir, "web.lock"))).toEqual([`${owner.pid}-${owner.start}-${boot8}`]);
  });

  const leftBehind: [string, (dir: string) => void][] = [
    ["an empty file (a full /run when an earlier version wrote it)", (d) => writeFileSync(join(d, "web.lock"), "")],
    ["a file of garbage", (d) => writeFileSync(join(d, "web.lock"), "\u0000\u0001garbage\n")],
    ["a file saying 0", (d) => writeFileSync(join(d, "web.lock"), "0\n")],
    ["a file saying -1", (d) => writeFileSync(join(d, "web.lock"), "-1\n")],
    ["an earlier version's file naming a dead PID", (d) => writeFileSync(join(d, "web.lock"), `${deadPid()}\n`)],
    [
      "an earlier version's file naming a PID that now belongs to another process",
      (d) => writeFileSync(join(d, "web.lock"), `${otherProcess().pid}\n`),
    ],
    ["a dangling symlink", (d) => symlinkSync(join(d, "nowhere"), join(d, "web.lock"))],
    ["a symlink to a directory", (d) => (mkdirSync(join(d, "elsewhere")), symlinkSync(join(d, "elsewhere"), join(d, "web.lock")))],
    [
      "a directory of garbage",
      (d) => (mkdirSync(join(d, "web.lock", "sub"), { recursive: true }), writeFileSync(join(d, "web.lock", "x"), "1")),
    ],
    ["a lock whose owner died", (d) => plantOwned(d, `${deadPid()}-12345-${boot8}`)],
    [
      "a lock whose owner's PID now belongs to another process (another start time)",
      (d) => {
        const other = otherProcess();
        plantOwned(d, `${other.pid}-${other.start + 1}-${boot8}`);
      },
    ],
    [
      "a lock of an earlier boot (same PID and start time, another boot)",
      (d) => {
        const other = otherProcess();
        plantOwned(d, `${other.pid}-${other.start}-${boot8 === "0badb007" ? "0badb008" : "0badb007"}`);
      },
    ],
    ["a lock this very process left without releasing it", (d) => plantOwned(d, ownEntry())],
  ];

  for (const [what, plant] of leftBehind)
    it(`takes over at once, with a warning, from ${what}`, async () => {
      const dir = runDir();
      plant(dir);
      const { lock, lines, ms } = await acquireQuickly(dir);
      expect(ms).toBeLessThan(1_000);
      expect(readdirSync(join(dir, "web.lock"))).toEqual([ownEntry()]);
      expect(lines.join("\n")).toMatch(/WARN took over the transition lock .*web\.lock: /);
      await lock.release();
      expect(existsSync(join(dir, "web.lock"))).toBe(false);
    });

  it("three transitions of one process taking it in turns are never inside together", async () => {
    // The FIFO reader runs its events in one process; a waiter there must never mistake the lock a
    // sibling has just created, or is just releasing, for a stale one of its own process.
    const dir = runDir();
    let inside = 0;
    let overlaps = 0;
    const loop = async () => {
      for (let i = 0; i < 200; i++) {
        const lock = await TransitionLock.acquire(dir, "web", new Deadline(10_000));
        if (++inside > 1) overlaps++;
        await new Promise((r) => setImmediate(r));
        inside--;
        await lock.release();
      }
    };
    await Promise.all([loop(), loop(), loop()]);
    expect(overlaps).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it("takes an empty lock directory (its owner between its two release steps) without a warning", async () => {
    const dir = runDir();
    mkdirSync(join(dir, "web.lock"));
    const { lock, lines } = await acquireQuickly(dir);
    expect(lines).toEqual([]);
    await lock.release();
  });

  it("clears the half-made lock of a process killed while making it", async () => {
    const dir = runDir();
    const dead = deadPid();
    mkdirSync(join(dir, `.${dead}-5-${boot8}.0a0b0c0d.lock`));
    const { lock } = await acquireQuickly(dir);
    expect(readdirSync(dir)).toEqual(["web.lock"]);
    await lock.release();
  });
});

describe("the transition lock across processes", () => {
  // Each contender is a real process running the lock's code: it enters, holds a moment, leaves.
  const work = mkdtempSync(join(tmpdir(), "aws-ha-lock-contender-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const contender = join(work, "contender.cjs");
  buildSync({
    stdin: {
      contents: `
        import { appendFileSync } from "node:fs";
        import { TransitionLock } from "./src/transition/lock";
        import { Deadline } from "./src/time/deadline";
        const [runDir, journal, rounds, holdMs] = process.argv.slice(2);
        (async () => {
          for (let i = 0; i < Number(rounds); i++) {
            const lock = await TransitionLock.acquire(runDir, "web", new Deadline(20_000));
            appendFileSync(journal, "enter " + process.pid + "\\n");
            await new Promise((r) => setTimeout(r, Math.random() * Number(holdMs)));
            appendFileSync(journal, "leave " + process.pid + "\\n");
            await lock.release();
          }
        })();`,
      resolveDir: resolve(__dirname, "../.."),
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile: contender,
    logLevel: "warning",
  });

  const run = (dir: string, journal: string, rounds: number, holdMs: number): { child: ChildProcess; done: Promise<number | null> } => {
    const child = spawn(process.execPath, [contender, dir, journal, String(rounds), String(holdMs)], { stdio: "ignore" });
    started.push(child);
    return { child, done: new Promise((r) => child.once("exit", (code) => r(code))) };
  };

  /** Nobody entered while another was inside, except after a holder that was killed inside. */
  function overlaps(journal: string, killed: number[] = []): string[] {
    const found: string[] = [];
    let inside: number | undefined;
    for (const line of readFileSync(journal, "utf8").split("\n").filter(Boolean)) {
      const [what, pid] = [line.split(" ")[0], Number(line.split(" ")[1])];
      if (what === "enter") {
        if (inside !== undefined && !killed.includes(inside)) found.push(`${pid} entered while ${inside} was inside`);
        inside = pid;
      } else if (inside !== pid) found.push(`${pid} left but ${inside ?? "nobody"} was inside`);
      else inside = undefined;
    }
    return found;
  }

  it("four processes taking it in turns are never inside together", async () => {
    const dir = runDir();
    const journal = join(dir, "journal");
    const codes = await Promise.all([1, 2, 3, 4].map(() => run(dir, journal, 8, 15).done));
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(
      readFileSync(journal, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("enter")),
    ).toHaveLength(32);
    expect(overlaps(journal)).toEqual([]);
    expect(readdirSync(dir)).toEqual(["journal"]);
  }, 30_000);

  it("a holder SIGKILLed inside does not hold the others up, and no two of them take over together", async () => {
    const dir = runDir();
    const journal = join(dir, "journal");
    const victim = run(dir, journal, 1, 60_000);
    for (let i = 0; i < 100 && !existsSync(journal); i++) await new Promise((r) => setTimeout(r, 50));
    const others = [1, 2, 3].map(() => run(dir, journal, 4, 10));
    await new Promise((r) => setTimeout(r, 100));
    victim.child.kill("SIGKILL");
    const began = performance.now();
    expect(await Promise.all(others.map((o) => o.done))).toEqual([0, 0, 0]);
    expect(performance.now() - began).toBeLessThan(5_000);
    expect(overlaps(journal, [victim.child.pid!])).toEqual([]);
  }, 30_000);
});
