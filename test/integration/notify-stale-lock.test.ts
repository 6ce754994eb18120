import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cloudAndLocal, nodeB } from "./support/cluster-fixture";
import { given } from "./support/given";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";
import { cloudHolders } from "./support/world-view";

// A transition that was killed, a /run that was full, a PID that the kernel handed to another
// process since: whatever was left at the lock's place without a live owner must not hold the next
// transition up until its deadline. keepalived elects A; A's `master` must move everything at once.

let world: TwoNodeWorld | undefined;
const others: ChildProcess[] = [];
afterEach(async () => {
  for (const child of others.splice(0)) child.kill("SIGKILL");
  await world?.close();
  world = undefined;
});

/** A live process that is no transition: what a reused PID belongs to now. */
function anotherProcess(): { pid: number; start: number } {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  others.push(child);
  const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8");
  return { pid: child.pid!, start: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]) };
}

const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim().replace(/-/g, "").slice(0, 8);

const leftBehind: [string, (lock: string) => void][] = [
  ["an empty lock file (/run was full when it was written)", (lock) => writeFileSync(lock, "")],
  ["a lock file of garbage", (lock) => writeFileSync(lock, "garbage\n")],
  ["a lock file saying 0", (lock) => writeFileSync(lock, "0\n")],
  ["a lock file saying -1", (lock) => writeFileSync(lock, "-1\n")],
  ["a lock file naming a PID that now belongs to another process", (lock) => writeFileSync(lock, `${anotherProcess().pid}\n`)],
  ["a directory", (lock) => mkdirSync(join(lock, "leftover"), { recursive: true })],
  ["a symlink", (lock) => symlinkSync("/nonexistent/aws-ha.lock", lock)],
  [
    "a lock whose owner's PID now belongs to another process, started later",
    (lock) => {
      const other = anotherProcess();
      mkdirSync(lock);
      writeFileSync(join(lock, `${other.pid}-${other.start - 100}-${boot}`), "");
    },
  ],
  [
    "a lock whose owner died",
    (lock) => {
      mkdirSync(lock);
      writeFileSync(join(lock, `${spawnSync("true").pid}-100-${boot}`), "");
    },
  ],
];

describe("a lock left behind without a live owner", () => {
  for (const [what, plant] of leftBehind)
    it(`is taken over at once when it is ${what}`, async () => {
      world = await startTwoNodeWorld({
        resources: cloudAndLocal,
        given: (spec) => given.cloudOn(spec, nodeB),
        // An earlier version waited for a lock like these until this deadline and failed.
        timeouts: { transition: 10 },
      });
      const { a } = world;
      mkdirSync(a.runDir, { mode: 0o700 });
      plant(a.lockFile);

      const master = await a.run(["master"]);

      expect(master.code, master.stderr).toBe(0);
      expect(master.ms).toBeLessThan(6_000);
      expect(master.stderr).toMatch(/WARN took over the transition lock .*itest\.lock: /);
      expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a", route: "node-a" });
      expect(a.scripts.serviceRunning()).toBe(true);
      expect(existsSync(a.lockFile)).toBe(false);
      // Another process that merely got the PID is left alone.
      for (const other of others) expect(other.exitCode).toBeNull();
    });
});
