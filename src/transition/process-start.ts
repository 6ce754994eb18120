import { readdirSync, readFileSync } from "node:fs";
import { AwsHaError } from "../errors";

// The kernel's process table, read from /proc. A PID alone names a process only until it exits:
// PIDs are reused, so whatever outlives a process (the lock, an event ticket, the record of a
// command group) names it by PID *and* start time, which together never repeat within one boot.
// The start time is field 22 of /proc/PID/stat: clock ticks (USER_HZ, 100 on every architecture
// EC2 offers) of the boot clock at fork. The boot clock cannot be stepped, unlike the wall clock.

/** A process as the kernel knows it: its PID and the boot-clock tick at which it was forked. */
export interface ProcessIdentity {
  pid: number;
  start: number;
}

/** Ticks per second of /proc's times (USER_HZ); /proc/uptime counts in hundredths too. */
const ticksPerSecond = 100;

interface ProcessStat {
  /** R, S, D, … ; Z once it has exited and waits for its parent to reap it. */
  state: string;
  pgrp: number;
  start: number;
}

/** Fields 3 (state), 5 (process group) and 22 (start time) of /proc/PID/stat; undefined once the process is gone. */
export function statOf(pid: number, proc = "/proc"): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`${proc}/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const pgrp = Number(fields[2]);
  const start = Number(fields[19]);
  return Number.isSafeInteger(pgrp) && Number.isSafeInteger(start) ? { state: fields[0] ?? "", pgrp, start } : undefined;
}

/** The process is alive and is the one that was forked at `start` (not a later one with its PID). */
export function isRunning(process: ProcessIdentity, proc = "/proc"): boolean {
  const stat = statOf(process.pid, proc);
  return stat?.start === process.start && !exited(stat);
}

function exited(stat: ProcessStat): boolean {
  return stat.state === "Z" || stat.state === "X";
}

let self: ProcessIdentity | undefined;

/** This process. */
export function thisProcess(): ProcessIdentity {
  if (!self) {
    const stat = statOf(process.pid);
    if (!stat)
      throw new AwsHaError("install", "cannot read /proc/self/stat", {
        fix: "mount /proc: aws-ha orders events and recognises its lock's owner by the kernel's process start times",
      });
    self = { pid: process.pid, start: stat.start };
  }
  return self;
}

/** The boot clock now, in the ticks of process start times (/proc/uptime, hundredths of a second). */
export function bootTicksNow(): number {
  const seconds = readFileSync("/proc/uptime", "utf8").split(" ")[0]!;
  const [whole, hundredths = "0"] = seconds.split(".");
  return Number(whole) * ticksPerSecond + Number(hundredths.padEnd(2, "0").slice(0, 2));
}

let boot: string | undefined;

/** Names this boot: tick counts and PIDs of another boot mean nothing in this one. */
export function bootId(): string {
  boot ??= readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  return boot;
}

let pidLimit: number | undefined;

/** PIDs count up to this and then wrap to low numbers again. */
export function pidMax(): number {
  if (pidLimit === undefined) {
    let read = Number.NaN;
    try {
      read = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8").trim());
    } catch {
      // the kernel's default then
    }
    pidLimit = Number.isSafeInteger(read) && read > 300 ? read : 32_768;
  }
  return pidLimit;
}

/** The members of process group `pgid` that have not exited. */
export function membersOf(pgid: number, proc = "/proc"): ProcessIdentity[] {
  const members: ProcessIdentity[] = [];
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    const stat = statOf(Number(name), proc);
    if (stat?.pgrp === pgid && !exited(stat)) members.push({ pid: Number(name), start: stat.start });
  }
  return members;
}
