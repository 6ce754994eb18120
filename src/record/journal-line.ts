import type { JournalEntry } from "./journal-entry";

/**
 * The most one journal line may take, newline included. Appends of at most this much land whole
 * and uninterleaved when several processes append at once (one write(2) on an O_APPEND file; the
 * same bound as PIPE_BUF).
 */
export const journalLineLimitBytes = 4096;

/**
 * The entry as one line of JSON, at most journalLineLimitBytes: long error texts are shortened
 * first, then the resources left as they were are dropped, then the steps beyond what fits (the
 * line counts them in stepsLeftOut).
 */
export function journalLine(entry: JournalEntry): string {
  for (const attempt of shorterEach(entry)) {
    const line = `${JSON.stringify(attempt)}\n`;
    if (Buffer.byteLength(line) <= journalLineLimitBytes) return line;
  }
  throw new Error("unreachable: the shortest journal entry fits a line");
}

function* shorterEach(entry: JournalEntry): Generator<JournalEntry> {
  yield shortenErrors(entry, 400);
  const terse = shortenErrors(entry, 80);
  yield terse;
  yield { ...terse, kept: [] };
  const { steps } = terse;
  for (let keep = steps.length - 1; keep >= 0; keep--)
    yield { ...terse, kept: [], moved: [], steps: steps.slice(0, keep), stepsLeftOut: steps.length - keep };
  // Words from elsewhere (the daemon's event word, the host name) are all that can still be long.
  yield { ...terse, event: cut(terse.event, 200), node: cut(terse.node, 200), kept: [], moved: [], steps: [], stepsLeftOut: steps.length };
}

function shortenErrors(entry: JournalEntry, chars: number): JournalEntry {
  return {
    ...entry,
    ...(entry.error === undefined ? {} : { error: cut(entry.error, chars) }),
    steps: entry.steps.map((s) => (s.error === undefined ? s : { ...s, error: cut(s.error, chars) })),
  };
}

function cut(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}
