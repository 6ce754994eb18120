import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EventTicket } from "../../src/transition/event-order";
import { TransitionLock } from "../../src/transition/lock";
import { Deadline } from "../../src/transition/deadline";

const runDir = () => mkdtempSync(join(tmpdir(), "aws-ha-run-"));

describe("newest event wins", () => {
  it("an event that a newer one overtook while it waited is superseded; the newer one is not", async () => {
    const dir = runDir();
    let clock = 1_000n;
    const older = await EventTicket.issue(dir, "web", () => clock++);
    const newer = await EventTicket.issue(dir, "web", () => clock++);
    expect(await older.superseded()).toBe(true);
    expect(await newer.superseded()).toBe(false);
  });

  it("a finished event keeps its ticket so that an older straggler still sees it was overtaken", async () => {
    const dir = runDir();
    let clock = 5_000n;
    const straggler = await EventTicket.issue(dir, "web", () => clock++);
    const done = await EventTicket.issue(dir, "web", () => clock++);
    await done.retire();
    expect(await straggler.superseded()).toBe(true);
    await straggler.withdraw();
    expect(readdirSync(join(dir, "web.events"))).toEqual([done.stamp]);
  });
});

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
  });

  it("takes over a lock whose owner died (keepalived SIGKILLs notify_stop)", async () => {
    const dir = runDir();
    writeFileSync(join(dir, "web.lock"), "999999\n");
    const lock = await TransitionLock.acquire(dir, "web", new Deadline(2_000), (pid) => pid !== 999999);
    expect(readFileSync(join(dir, "web.lock"), "utf8").trim()).toBe(String(process.pid));
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
});
