import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CommandWatch } from "../host/run-command";
import type { Logger } from "../log";
import type { Deadline } from "../time/deadline";
import { membersOf, statOf } from "./process-start";
import { ownSubdirectory } from "./run-dir";
import { monotonicMs } from "../time/monotonic";

// Hooks, service scripts, mount and fsck run in process groups of their own (so that a timeout
// kills what they started too), which also means they outlive a notify process that keepalived
// SIGKILLs: a release hook can still be demoting the application while the next transition's
// acquire hook promotes it. Every command group a transition starts is therefore recorded in the
// run directory, by its PGID and the start time of its leader, until the command exits; the next
// transition, once it holds the lock, waits a little for what is left and then stops it.

/** How long leftovers get: to finish, after SIGTERM, after SIGKILL (a process in D state ignores even that). */
export interface LeftoverTiming {
  graceMs: number;
  termMs: number;
  killMs: number;
}

export const leftoverTiming: LeftoverTiming = { graceMs: 5_000, termMs: 2_000, killMs: 1_000 };

interface Group {
  record: string;
  pgid: number;
  start: number;
  argv: string;
}

export class CommandLedger implements CommandWatch {
  private constructor(private readonly dir: string) {}

  static async open(runDir: string, cluster: string): Promise<CommandLedger> {
    return new CommandLedger(await ownSubdirectory(runDir, `${cluster}.commands`));
  }

  /** Synchronous: the record must exist before this process can be killed, right after the fork. */
  started(pid: number, argv: readonly string[]): () => void {
    const record = join(this.dir, `${pid}-${statOf(pid)?.start ?? 0}`);
    try {
      writeFileSync(record, `${argv.join(" ")}\n`, { mode: 0o600 });
    } catch {
      // A full run directory must not stop the command; the worst case is the race recorded against.
      return () => undefined;
    }
    return () => rmSync(record, { force: true });
  }

  /**
   * Commands of earlier transitions that still run: waits up to graceMs for them to end, then
   * SIGTERMs, then SIGKILLs their groups, and forgets them. Records of groups that are gone go silently.
   * Answers how many still ran when it looked.
   */
  async settle(log: Logger, deadline: Deadline, timing: LeftoverTiming = leftoverTiming): Promise<number> {
    const groups = this.groups();
    let running = groups.filter(isRunning);
    const found = running.length;
    if (running.length > 0) {
      log.warn(`waiting up to ${seconds(timing.graceMs)} for commands of an earlier transition that still run: ${list(running)}`);
      running = await untilGone(running, Math.min(timing.graceMs, deadline.remainingMs()));
    }
    for (const [signal, waitMs] of [
      ["SIGTERM", timing.termMs],
      ["SIGKILL", timing.killMs],
    ] as const) {
      if (running.length === 0) break;
      log.warn(`stopping commands of an earlier transition that still run (${signal}): ${list(running)}`);
      for (const g of running) signalGroup(g, signal);
      running = await untilGone(running, waitMs);
    }
    if (running.length > 0)
      log.error(`commands of an earlier transition survived SIGKILL (stuck in the kernel?); going on without them: ${list(running)}`);
    for (const g of groups) rmSync(join(this.dir, g.record), { force: true });
    return found;
  }

  private groups(): Group[] {
    const groups: Group[] = [];
    // Never our own group, nor init's (and kill(-1) would signal every process).
    const ownGroup = statOf(process.pid)?.pgrp;
    for (const record of readdirSync(this.dir)) {
      const m = /^(\d{1,10})-(\d{1,15})$/.exec(record);
      if (!m || Number(m[1]) <= 1 || Number(m[1]) === ownGroup) {
        rmSync(join(this.dir, record), { force: true, recursive: true });
        continue;
      }
      const pgid = Number(m[1]);
      // A notify process killed between creating the record and writing it leaves it empty: the
      // name is what counts, and the leader's command line still says what runs.
      const argv = readText(join(this.dir, record)) || readText(`/proc/${pgid}/cmdline`).replace(/\0/g, " ").trim();
      groups.push({ record, pgid, start: Number(m[2]), argv });
    }
    return groups;
  }
}

/**
 * The group still has members and is the one recorded: while any member lives the kernel does not
 * hand its number out again, and once it is empty a new process with that PID has another start.
 */
function isRunning(g: Group): boolean {
  const members = membersOf(g.pgid);
  const leader = members.find((m) => m.pid === g.pgid);
  return members.length > 0 && (!leader || leader.start === g.start);
}

function signalGroup(g: Group, signal: NodeJS.Signals): void {
  if (!isRunning(g)) return;
  try {
    process.kill(-g.pgid, signal);
  } catch {
    // gone meanwhile
  }
}

async function untilGone(groups: Group[], ms: number): Promise<Group[]> {
  const stopAt = monotonicMs() + ms;
  let left = groups.filter(isRunning);
  while (left.length > 0 && monotonicMs() < stopAt) {
    await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, stopAt - monotonicMs()))));
    left = left.filter(isRunning);
  }
  return left;
}

function list(groups: Group[]): string {
  return groups.map((g) => `${g.argv || "?"} (process group ${g.pgid})`).join(", ");
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}
