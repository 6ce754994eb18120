import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EventTicket } from "../../src/transition/event-order";
import {
  arrivalOfThisProcess,
  arrivalVariable,
  compareStamps,
  forkStamp,
  formatStamp,
  stampNow,
  type EventStamp,
} from "../../src/transition/event-stamp";
import { bootId, thisProcess } from "../../src/transition/process-start";

const runDir = () => mkdtempSync(join(tmpdir(), "aws-ha-run-"));
const master = { word: "MASTER", direction: "acquire" } as const;
const backup = { word: "BACKUP", direction: "release" } as const;
const stamp = (ticks: number, pid: number, seq = 0): EventStamp => ({ ticks, pid, seq });

/** A ticket as another process would have left it. */
function plantTicket(dir: string, s: EventStamp, body: Record<string, unknown>): void {
  const name = `${String(s.ticks).padStart(12, "0")}-${String(s.pid).padStart(8, "0")}-${s.seq}`;
  writeFileSync(join(dir, "web.events", name), JSON.stringify(body));
}

function deadProcess(): { pid: number; start: number } {
  const child = spawnSync("true");
  return { pid: child.pid!, start: 1 };
}

describe("the order of events", () => {
  it("is the order of the kernel's forks: ticks first, then PIDs within one tick, then the order within a process", () => {
    expect(compareStamps(stamp(100, 900), stamp(101, 200))).toBeLessThan(0);
    expect(compareStamps(stamp(101, 201), stamp(101, 200))).toBeGreaterThan(0);
    expect(compareStamps(stamp(101, 200, 1), stamp(101, 200, 0))).toBeGreaterThan(0);
    expect(compareStamps(stamp(101, 200, 1), stamp(101, 200, 1))).toBe(0);
  });

  it("counts a PID that wrapped past pid_max within the tick as the later fork", () => {
    expect(compareStamps(stamp(101, 305), stamp(101, 32_760), 32_768)).toBeGreaterThan(0);
    expect(compareStamps(stamp(101, 32_760), stamp(101, 305), 32_768)).toBeLessThan(0);
  });

  it("stamps a one-shot process's event with the tick of its fork, before Node started, not with a clock read later", () => {
    const own = forkStamp();
    const statStart = Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")[19]);
    expect(own).toMatchObject({ ticks: statStart, pid: process.pid });
    // A FIFO line read now is later than this process's fork, on the same clock.
    expect(compareStamps(stampNow(), own)).toBeGreaterThan(0);
  });

  it("a detached worker carries the stamp of the event its parent received, not its own later fork", () => {
    const parents = stamp(4_200, 31_000, 0);
    expect(arrivalOfThisProcess({ [arrivalVariable]: formatStamp(parents) })).toEqual(parents);
    expect(arrivalOfThisProcess({ [arrivalVariable]: "garbage" })).toMatchObject({ ticks: thisProcess().start, pid: process.pid });
  });
});

describe("newest event wins", () => {
  it("an event that a newer one overtook while it waited is superseded, and learns which event won", async () => {
    const dir = runDir();
    const older = await EventTicket.issue(dir, "web", master, stamp(1_000, 500));
    const newer = await EventTicket.issue(dir, "web", backup, stamp(1_000, 501));
    expect(await older.supersededBy()).toEqual({ word: "BACKUP", direction: "release" });
    expect(await newer.supersededBy()).toBeUndefined();
  });

  it("a finished event keeps its ticket so that an older straggler still sees it was overtaken", async () => {
    const dir = runDir();
    const straggler = await EventTicket.issue(dir, "web", backup, stamp(5_000, 700));
    const done = await EventTicket.issue(dir, "web", master, stamp(5_003, 702));
    await done.retire();
    expect(await straggler.supersededBy()).toEqual({ word: "MASTER", direction: "acquire" });
    await straggler.withdraw();
    expect(readdirSync(join(dir, "web.events"))).toEqual([done.name]);
  });

  it("the ticket of the previous event never supersedes a later one, whatever the wall clock did in between", async () => {
    const dir = runDir();
    // The previous event ran, in another process forked earlier in this boot.
    const previous = await EventTicket.issue(dir, "web", backup, stamp(thisProcess().start - 6_000, 100));
    await previous.retire();
    // This event: a process forked later in the boot (an NTP step of the wall clock changes neither).
    const now = await EventTicket.issue(dir, "web", master, forkStamp());
    expect(await now.supersededBy()).toBeUndefined();
  });

  it("only real events supersede: not a ticket of an earlier boot, of a process that died before it ran, or unreadable", async () => {
    const dir = runDir();
    const event = await EventTicket.issue(dir, "web", master, stamp(2_000, 300));
    const dead = deadProcess();
    const later = (n: number) => stamp(2_000 + n, 300);
    plantTicket(dir, later(1), { ...backup, boot: "0b0b0b0b-earlier-boot", owner: thisProcess(), state: "done" });
    plantTicket(dir, later(2), { ...backup, boot: bootId(), owner: dead, state: "waiting" });
    plantTicket(dir, later(3), { word: "BACKUP" });
    writeFileSync(join(dir, "web.events", "not-a-ticket"), "");
    writeFileSync(join(dir, "web.events", "99999999999999999999-00004242-0"), ""); // an earlier version's, wall clock
    expect(await event.supersededBy()).toBeUndefined();

    // A dead process's ticket that ran still counts.
    plantTicket(dir, later(4), { ...backup, boot: bootId(), owner: dead, state: "done" });
    expect(await event.supersededBy()).toEqual({ word: "BACKUP", direction: "release" });
  });

  it("a finished event clears away what stands for no event, and older tickets, and keeps its own", async () => {
    const dir = runDir();
    const dead = deadProcess();
    mkdirSync(join(dir, "web.events"));
    plantTicket(dir, stamp(3_005, 10), { ...backup, boot: bootId(), owner: dead, state: "waiting" });
    plantTicket(dir, stamp(3_001, 10), { ...backup, boot: bootId(), owner: dead, state: "done" });
    writeFileSync(join(dir, "web.events", `.${dead.pid}-${dead.start}.0a0b0c0d`), "{");
    const event = await EventTicket.issue(dir, "web", master, stamp(3_002, 11));
    await event.retire();
    expect(readdirSync(join(dir, "web.events"))).toEqual([event.name]);
    expect(JSON.parse(readFileSync(join(dir, "web.events", event.name), "utf8"))).toMatchObject({ word: "MASTER", state: "done" });
  });

  it("an events directory that is a file gets a clear error naming it and the fix", async () => {
    const dir = runDir();
    writeFileSync(join(dir, "web.events"), "");
    await expect(EventTicket.issue(dir, "web", master, stamp(1, 1))).rejects.toMatchObject({
      kind: "config",
      message: expect.stringContaining(`${join(dir, "web.events")} is not a directory`),
      details: { fix: `remove it: rm ${join(dir, "web.events")}` },
    });
  });
});
