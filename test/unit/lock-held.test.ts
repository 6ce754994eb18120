import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Deadline } from "../../src/time/deadline";
import { lockIsHeld, TransitionLock } from "../../src/transition/lock";
import { bootId, statOf } from "../../src/transition/process-start";

// Whether a live transition holds the node's lock: what a look that must not run beside one (drift
// repair) asks. Only a live owner of this boot holds it; whatever a dead one left behind does not.

const runDir = () => mkdtempSync(join(tmpdir(), "aws-ha-lock-held-"));
const boot8 = bootId().replace(/-/g, "").slice(0, 8);
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill("SIGKILL");
});

/** A lock of this version, as its owner would have left it. */
function plantOwned(dir: string, entry: string): void {
  mkdirSync(join(dir, "web.lock"));
  writeFileSync(join(dir, "web.lock", entry), "");
}

describe("lockIsHeld", () => {
  it("is false with no lock, and true while a transition of this process holds it", async () => {
    const dir = runDir();
    expect(await lockIsHeld(dir, "web")).toBe(false);
    const lock = await TransitionLock.acquire(dir, "web", new Deadline(1_000));
    expect(await lockIsHeld(dir, "web")).toBe(true);
    await lock.release();
    expect(await lockIsHeld(dir, "web")).toBe(false);
  });

  it("is true while a live process of this boot owns the lock", async () => {
    const dir = runDir();
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    started.push(child);
    plantOwned(dir, `${child.pid}-${statOf(child.pid!)!.start}-${boot8}`);
    expect(await lockIsHeld(dir, "web")).toBe(true);
  });

  it.each([
    ["an owner that is gone", (dir: string) => plantOwned(dir, `${spawnSync("true").pid}-12345-${boot8}`)],
    ["an owner of an earlier boot", (dir: string) => plantOwned(dir, `${process.pid}-1-00000000`)],
    ["a lock that names no owner", (dir: string) => plantOwned(dir, "garbage")],
    ["a file at the lock's path", (dir: string) => writeFileSync(join(dir, "web.lock"), "4242\n")],
  ])("is false for %s: the next transition takes it over", async (_what, plant) => {
    const dir = runDir();
    plant(dir);
    expect(await lockIsHeld(dir, "web")).toBe(false);
  });
});
