import type { JournalEntry } from "./journal-entry";

/**
 * The journal as `aws-ha-notify history` prints it, newest last: when, the daemon's word, how it
 * ended, how long it took, and what moved from whom in the closing line's phrases (or what failed).
 */
export function historyTable(entries: readonly JournalEntry[]): string {
  const rows = [
    ["TIME (UTC)", "EVENT", "OUTCOME", "TOOK", "WHAT"],
    ...entries.map((e) => [timeText(e.time), `${e.event} (${e.direction})`, e.outcome, `${(e.ms / 1000).toFixed(1)} s`, whatText(e)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n") + "\n";
}

/** One line for `show`: the last transition's summary. */
export function lastTransitionLine(entry: JournalEntry): string {
  return `last transition: ${timeText(entry.time)} UTC ${entry.event} (${entry.direction}) ${entry.outcome} in ${(entry.ms / 1000).toFixed(1)} s: ${whatText(entry)}`;
}

/** What the transition did, as the closing line says it; failures name the resource and the first line of its error. */
export function whatText(e: JournalEntry): string {
  if (e.outcome === "superseded") return `nothing: superseded by ${e.supersededBy ?? "a newer event"}`;
  if (e.outcome === "failed") return firstLine(e.error ?? "failed before any step");
  const failed = e.steps.filter((s) => s.outcome === "failed").map((s) => `${s.name}: ${firstLine(s.error ?? "failed")}`);
  const parts = [...failed, ...(e.moved.length > 0 ? [e.moved.join(", ")] : [])];
  if (parts.length > 0) return parts.join("; ");
  return e.direction === "acquire" ? "nothing to change (already here)" : "nothing to change (none to give up)";
}

/** 2026-11-30T15:40:02.123Z → 2026-11-30 15:40:02 */
function timeText(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "");
}

function firstLine(text: string): string {
  return text.split("\n")[0]!;
}
