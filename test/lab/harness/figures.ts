import type { NotifyRecord } from "./notify-log";

// The figures each scenario prints (never asserts): how long the daemon took to notice (detection)
// and how long aws-ha took to move the resources once told (transition). All times are the lab's
// clock at the moment a log line or API call reached it.

export interface FailoverTimeline {
  scenario: string;
  /** What started it, e.g. "kill -9 lab-a". */
  cause: string;
  causeAt: number;
  /** The daemon's state change on the new owner (keepalived "Entering MASTER STATE", Heartbeat takeover). */
  daemonAt?: number;
  /** The new owner's notify log, from the first line after the cause. */
  notify: readonly NotifyRecord[];
  /** When the world (EC2 and the node) was seen in the final state. */
  convergedAt?: number;
  /** Extra figures in words, e.g. "fence 8.1 s". */
  notes?: readonly string[];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function describeTimeline(t: FailoverTimeline): string {
  const parts: string[] = [];
  if (t.daemonAt !== undefined) parts.push(`${t.cause}→MASTER ${seconds(t.daemonAt - t.causeAt)}`);
  const eventAt = t.notify[0]?.at;
  const done = [...t.notify].reverse().find((r) => /(acquire|start) done/.test(r.msg));
  const from = t.daemonAt ?? eventAt;
  if (from !== undefined && done)
    parts.push(`MASTER→resources ${seconds(done.at - from)}${done.fields.ms ? ` (notify ms=${done.fields.ms})` : ""}`);
  else if (from !== undefined && t.convergedAt !== undefined)
    parts.push(`MASTER→resources ${seconds(t.convergedAt - from)} (seen in the world)`);
  if (t.convergedAt !== undefined) parts.push(`total ${seconds(t.convergedAt - t.causeAt)}`);
  const steps = t.notify
    .filter((r) => r.fields.ms !== undefined && !/done|incomplete/.test(r.msg))
    .map((r) => `${r.fields.resource ? `${r.fields.resource} ` : ""}${r.msg} ${r.fields.ms}ms`);
  if (steps.length > 0) parts.push(`steps: ${steps.join("; ")}`);
  parts.push(...(t.notes ?? []));
  return `[lab] ${t.scenario}: ${parts.join(", ")}`;
}

export function printTimeline(t: FailoverTimeline): void {
  console.log(describeTimeline(t));
}
