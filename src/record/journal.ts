import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { AwsHaError } from "../errors";
import type { JournalEntry } from "./journal-entry";

// The journal: one JSON line per transition in paths.historyDir/journal.jsonl, newest last. It is
// bounded by size: a line that takes the file to the limit moves it to journal.jsonl.1 (replacing
// the one there), so the journal never holds more than twice the limit.

export const journalName = "journal.jsonl";
/** 1 MiB holds some thousands of transitions. */
export const journalLimitBytes = 1024 * 1024;

export function journalPath(dir: string): string {
  return join(dir, journalName);
}

/**
 * Appends one line (journal-line.ts keeps it short enough) in one write to an O_APPEND file, so
 * lines of processes that conclude at once never interleave. The file is rotated after the write,
 * by whoever's write reached the limit: it renames the file only if it is still the one it wrote to.
 */
export function appendJournal(dir: string, line: string, limitBytes = journalLimitBytes): void {
  const path = journalPath(dir);
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  try {
    const file = fstatSync(fd);
    if (!file.isFile())
      throw new AwsHaError("config", `${path} is not a regular file`, { fix: `remove it: rm ${path} (aws-ha starts a new journal)` });
    const bytes = Buffer.from(line);
    const written = writeSync(fd, bytes);
    if (written !== bytes.length) throw new AwsHaError("host", `${path}: only ${written} of ${bytes.length} bytes written (disk full?)`);
    if (fstatSync(fd).size >= limitBytes && lstatSync(path, { throwIfNoEntry: false })?.ino === file.ino) renameSync(path, `${path}.1`);
  } finally {
    closeSync(fd);
  }
}

export interface JournalRead {
  /** Oldest first: the rotated file's lines, then the current file's. */
  entries: JournalEntry[];
  /** Lines that are not a journal entry (a torn write, an edit by hand). */
  skipped: number;
  /** Whether there is a journal at all. */
  found: boolean;
}

/** Every entry the journal holds, oldest first. `currentOnly`: the newest file alone (enough for the last entry). */
export function readJournal(dir: string, options: { currentOnly?: boolean } = {}): JournalRead {
  const path = journalPath(dir);
  const read: JournalRead = { entries: [], skipped: 0, found: false };
  for (const file of options.currentOnly ? [path] : [`${path}.1`, path]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw new AwsHaError("host", `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    read.found = true;
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      const entry = entryOf(line);
      if (entry) read.entries.push(entry);
      else read.skipped++;
    }
  }
  return read;
}

/** A line parsed, if it has what the history table shows; anything else is not an entry. */
function entryOf(line: string): JournalEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const e = value as Partial<JournalEntry>;
  const wellFormed =
    typeof e.time === "string" &&
    typeof e.event === "string" &&
    (e.direction === "acquire" || e.direction === "release") &&
    ["done", "incomplete", "failed", "superseded"].includes(e.outcome as string) &&
    typeof e.ms === "number" &&
    Array.isArray(e.moved) &&
    Array.isArray(e.steps) &&
    Array.isArray(e.kept);
  return wellFormed ? (e as JournalEntry) : undefined;
}
