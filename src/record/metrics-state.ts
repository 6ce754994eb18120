import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomically } from "./atomic-file";
import type { JournalEntry } from "./journal-entry";

// What the metrics carry from one transition to the next. Each event is a new process, so the
// counters live in a small file in paths.historyDir rather than being counted from the journal:
// the journal drops its oldest lines when it rotates (a count from it would fall back), and reading
// up to two megabytes on every failover to count them would slow the failover down.

export const metricsStateName = "metrics-state.json";

export interface LastTransition {
  time: string;
  event: string;
  ms: number;
  /** 1 when every step succeeded. */
  success: boolean;
}

export interface ResourceState {
  kind: string;
  /** Absent for what holds nothing (hooks). */
  held?: boolean;
  /** The last step that ran for it. */
  lastStep?: { action: string; ms: number };
}

export interface MetricsState {
  /** By direction, then outcome (done, incomplete, failed, superseded). */
  transitions: Record<string, Record<string, number>>;
  /** By "kind action" (e.g. "eip acquire"): steps, and those that failed. */
  steps: Record<string, { total: number; failed: number }>;
  /** The last transition that ran, by direction. */
  last: Record<string, LastTransition>;
  resources: Record<string, ResourceState>;
}

export function emptyMetricsState(): MetricsState {
  return { transitions: {}, steps: {}, last: {}, resources: {} };
}

/** The state left by earlier transitions; a missing or unreadable file starts afresh (Prometheus reads a counter that falls as a reset). */
export function readMetricsState(dir: string): MetricsState {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, metricsStateName), "utf8")) as Partial<MetricsState>;
    const isRecord = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
    if ([parsed.transitions, parsed.steps, parsed.last, parsed.resources].every(isRecord)) return parsed as MetricsState;
  } catch {
    // missing or corrupt: start again
  }
  return emptyMetricsState();
}

export function writeMetricsState(dir: string, state: MetricsState): void {
  writeFileAtomically(join(dir, metricsStateName), `${JSON.stringify(state)}\n`);
}

/** The state after one more transition. Resources no longer in the description are forgotten. */
export function withEntry(state: MetricsState, entry: JournalEntry, resourceNames: readonly string[]): MetricsState {
  const next: MetricsState = structuredClone(state);
  const byOutcome = (next.transitions[entry.direction] ??= {});
  byOutcome[entry.outcome] = (byOutcome[entry.outcome] ?? 0) + 1;
  if (entry.outcome !== "superseded")
    next.last[entry.direction] = { time: entry.time, event: entry.event, ms: entry.ms, success: entry.outcome === "done" };
  for (const step of entry.steps) {
    const key = `${step.kind} ${step.action}`;
    const counted = (next.steps[key] ??= { total: 0, failed: 0 });
    counted.total++;
    if (step.outcome === "failed") counted.failed++;
    const resource: ResourceState = { ...next.resources[step.name], kind: step.kind };
    if (step.held !== undefined) resource.held = step.held;
    if (step.ms !== undefined) resource.lastStep = { action: step.action, ms: step.ms };
    next.resources[step.name] = resource;
  }
  for (const kept of entry.kept) next.resources[kept.name] = { ...next.resources[kept.name], kind: kept.kind, held: kept.held };
  for (const name of Object.keys(next.resources)) if (!resourceNames.includes(name)) delete next.resources[name];
  return next;
}
