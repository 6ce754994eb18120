import { bootTicksNow, pidMax, thisProcess } from "./process-start";

// When an event arrived, on a clock that orders events across processes and cannot be stepped.
//
// keepalived forks one notify process per event, in the order of the events, and never waits for
// them. The kernel records each process's fork on the boot clock (/proc/PID/stat, in ticks of
// 10 ms), before Node has even started, so that tick — not a clock read after Node's start-up,
// which takes tens of milliseconds and varies — stamps the event of a one-process-per-event run.
// Two forks within one tick are told apart by their PIDs, which the kernel hands out in increasing
// order; a PID that wrapped past pid_max within the tick counts as the larger (serial-number
// arithmetic, so the order holds unless half of all PIDs were used within 10 ms). The FIFO reader,
// one process for many events, stamps each line when it reads it, on the same boot clock; `seq`
// orders the events of one process.

export interface EventStamp {
  /** Boot-clock ticks: the fork of the process that carries the event, or when the FIFO line was read. */
  ticks: number;
  pid: number;
  /** Order among the events of one process. */
  seq: number;
}

/** Set in a detached worker's environment: the stamp of the event it finishes for its parent. */
export const arrivalVariable = "AWS_HA_EVENT_ARRIVAL";

let nextSeq = 0;

/** The event this process was started for: it arrived when the process was forked. */
export function forkStamp(): EventStamp {
  const self = thisProcess();
  return { ticks: self.start, pid: self.pid, seq: nextSeq++ };
}

/**
 * The event of this process. A detached worker carries on an event its parent received, so the
 * parent's stamp, passed in the environment, is the one that counts.
 */
export function arrivalOfThisProcess(env: NodeJS.ProcessEnv = process.env): EventStamp {
  const inherited = env[arrivalVariable];
  return (inherited !== undefined && parseStamp(inherited)) || forkStamp();
}

/** An event read now by a process that serves many (the FIFO reader). */
export function stampNow(): EventStamp {
  return { ticks: bootTicksNow(), pid: process.pid, seq: nextSeq++ };
}

/** Negative: a arrived before b; positive: after; 0: the same event. */
export function compareStamps(a: EventStamp, b: EventStamp, wrap: number = pidMax()): number {
  if (a.ticks !== b.ticks) return a.ticks - b.ticks;
  if (a.pid !== b.pid) {
    const ahead = (((a.pid - b.pid) % wrap) + wrap) % wrap;
    return ahead < wrap / 2 ? 1 : -1;
  }
  return a.seq - b.seq;
}

export function formatStamp(s: EventStamp): string {
  return `${s.ticks}.${s.pid}.${s.seq}`;
}

function parseStamp(text: string): EventStamp | undefined {
  const m = /^(\d{1,15})\.(\d{1,10})\.(\d{1,9})$/.exec(text.trim());
  if (!m) return undefined;
  const [ticks, pid, seq] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return pid > 0 ? { ticks, pid, seq } : undefined;
}
