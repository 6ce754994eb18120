import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commandEnvironment, runCommand, watchCommands } from "../../src/host/run-command";
import { Deadline } from "../../src/time/deadline";
import { CommandLedger } from "../../src/transition/leftover-commands";
import { statOf } from "../../src/transition/process-start";
import { memoryLog } from "./support/memory-log";

// Commands run in process groups of their own, so they outlive a notify process that keepalived
// SIGKILLs. Each is recorded while it runs; the next transition waits for what is left, then stops it.

const fast = { graceMs: 300, termMs: 300, killMs: 300 };
const groups: number[] = [];
afterEach(() => {
  watchCommands(undefined);
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // gone
    }
  }
});

const runDir = () => mkdtempSync(join(tmpdir(), "aws-ha-leftover-"));
const records = (dir: string) => readdirSync(join(dir, "web.commands"));

/** A command of an earlier transition whose notify process was killed: its own group, still recorded. */
function leftover(dir: string, ledger: CommandLedger, script: string): number {
  const child = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
  groups.push(child.pid!);
  ledger.started(child.pid!, ["sh", "-c", script]);
  child.unref();
  void dir;
  return child.pid!;
}

const alive = (pid: number) => statOf(pid) !== undefined && !/^[^)]*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));

describe("commands a transition starts", () => {
  it("are recorded by process group and start time while they run, and forgotten once they exit", async () => {
    const dir = runDir();
    const ledger = await CommandLedger.open(dir, "web");
    watchCommands(ledger);
    const running = runCommand(["sh", "-c", "sleep 0.3"], { timeoutMs: 5_000, env: process.env });
    await new Promise((r) => setTimeout(r, 100));
    const [record] = records(dir);
    const [pgid, start] = record!.split("-").map(Number);
    expect(statOf(pgid!)).toMatchObject({ pgrp: pgid, start });
    expect(readFileSync(join(dir, "web.commands", record!), "utf8")).toBe("sh -c sleep 0.3\n");
    await running;
    expect(records(dir)).toEqual([]);
  });
});

describe("commands left by an earlier transition", () => {
  it("are waited for while they finish within the grace time, and not signalled", async () => {
    const dir = runDir();
    const ledger = await CommandLedger.open(dir, "web");
    const marker = join(dir, "finished");
    leftover(dir, ledger, `sleep 0.2; touch ${marker}`);
    const { log, lines } = memoryLog();
    await ledger.settle(log, new Deadline(10_000), { graceMs: 3_000, termMs: 300, killMs: 300 });
    expect(existsSync(marker)).toBe(true);
    expect(lines.join("\n")).toMatch(/WARN waiting up to 3 s for commands of an earlier transition that still run: sh -c sleep 0\.2/);
    expect(lines.join("\n")).not.toMatch(/stopping/);
    expect(records(dir)).toEqual([]);
  });

  it("are stopped with SIGTERM after the grace time, the whole group, and the log says so", async () => {
    const dir = runDir();
    const ledger = await CommandLedger.open(dir, "web");
    const pgid = leftover(dir, ledger, "sleep 30 & sleep 30; wait");
    const { log, lines } = memoryLog();
    await ledger.settle(log, new Deadline(10_000), fast);
    expect(alive(pgid)).toBe(false);
    expect(lines.join("\n")).toMatch(
      new RegExp(
        `WARN stopping commands of an earlier transition that still run \\(SIGTERM\\): sh -c sleep 30 & sleep 30; wait \\(process group ${pgid}\\)`,
      ),
    );
    expect(lines.join("\n")).not.toMatch(/SIGKILL/);
    expect(records(dir)).toEqual([]);
  });

  it("are named by their leader's command line when the killed process left their record empty", async () => {
    const dir = runDir();
    const ledger = await CommandLedger.open(dir, "web");
    const pgid = leftover(dir, ledger, "sleep 30; true");
    // What a SIGKILL between creating the record and writing it leaves behind.
    const [record] = records(dir);
    writeFileSync(join(dir, "web.commands", record!), "");
    const { log, lines } = memoryLog();
    await ledger.settle(log, new Deadline(10_000), fast);
    expect(alive(pgid)).toBe(false);
    expect(lines.join("\n")).toMatch(new RegExp(`\\(SIGTERM\\): sh -c sleep 30; true \\(process group ${pgid}\\)`));
  });

  it("that ignore SIGTERM are SIGKILLed", async () => {
    const dir = runDir();
    const ledger = await CommandLedger.open(dir, "web");
    const pgid = leftover(dir, ledger, "trap '' TERM; sleep 30 & wait; sleep 30");
    await new Promise((r) => setTimeout(r, 100)); // the trap is set
    const { log, lines } = memoryLog();
    await ledger.settle(log, new Deadline(10_000), fast);
    expect(alive(pgid)).toBe(false);
    expect(lines.join("\n")).toMatch(/stopping commands of an earlier transition that still run \(SIGKILL\)/);
    expect(records(dir)).toEqual([]);
  });

  it("whose group is gone are forgotten silently, and a reused PGID (another start time) is left alone", async () => {
    const dir = runDir();
    const ledger = await CommandLedger.open(dir, "web");
    const gone = spawnSync("true").pid!;
    writeFileSync(join(dir, "web.commands", `${gone}-1`), "true\n");
    // A live group whose leader started at another time than recorded: not the command recorded.
    const other = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
    groups.push(other.pid!);
    writeFileSync(join(dir, "web.commands", `${other.pid}-${statOf(other.pid!)!.start - 1}`), "hook release\n");
    writeFileSync(join(dir, "web.commands", "garbage"), "");
    writeFileSync(join(dir, "web.commands", "1-1"), "init\n");
    const { log, lines } = memoryLog();
    await ledger.settle(log, new Deadline(10_000), fast);
    expect(lines).toEqual([]);
    expect(alive(other.pid!)).toBe(true);
    expect(records(dir)).toEqual([]);
  });
});

describe("the environment of commands a detached worker runs", () => {
  it("leaves out what makes the worker a worker and stamps its event: a hook's aws-ha-notify is a new event", () => {
    const env = commandEnvironment({
      AWS_HA_DETACHED_WORKER: "1",
      AWS_HA_EVENT_ARRIVAL: "4200.31000.0",
      AWS_HA_CLUSTER: "/etc/c.yaml",
      PATH: "/bin",
    });
    expect(env).not.toHaveProperty("AWS_HA_DETACHED_WORKER");
    expect(env).not.toHaveProperty("AWS_HA_EVENT_ARRIVAL");
    expect(env.AWS_HA_CLUSTER).toBe("/etc/c.yaml");
  });
});
