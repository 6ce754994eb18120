import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AwsHaError } from "../../../src/errors";
import { openHistoryDir } from "../../../src/record/history-dir";
import { appendJournal, journalPath, readJournal } from "../../../src/record/journal";
import { journalLine, journalLineLimitBytes } from "../../../src/record/journal-line";
import { failedRelease, overtaken, takeover } from "./entries";

// The journal of transitions: one JSON line per transition, appended in one write, bounded by
// rotation, read back oldest first with whatever is not an entry skipped and counted.

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "aws-ha-journal-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("the history directory", () => {
  it("is made 0755 with its missing parents, and its journal 0644", async () => {
    const dir = await openHistoryDir(join(root, "var", "lib", "aws-ha"));
    appendJournal(dir, journalLine(takeover));

    expect(statSync(dir).mode & 0o7777).toBe(0o755);
    expect(statSync(journalPath(dir)).mode & 0o7777).toBe(0o644);
  });

  it("is refused when its group may write to it: the history would be anyone's to rewrite", async () => {
    const dir = join(root, "shared");
    mkdirSync(dir);
    chmodSync(dir, 0o775);

    const refused = await openHistoryDir(dir).catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(AwsHaError);
    expect((refused as AwsHaError).message).toBe(
      `paths.historyDir ${dir} is writable by its group (mode 0775): anyone who can write there can rewrite the history of this node's transitions`,
    );
    expect((refused as AwsHaError).details.fix).toContain(`chmod 0755 ${dir}`);
  });

  it("is refused, naming the setting, when a file stands where it should be", async () => {
    writeFileSync(join(root, "file"), "");

    const refused = await openHistoryDir(join(root, "file", "aws-ha")).catch((e: unknown) => e);

    expect((refused as AwsHaError).message).toMatch(/^paths\.historyDir .*file\/aws-ha: cannot create .*is not a directory$/);
  });
});

describe("appending to the journal", () => {
  it("adds one line per transition, read back oldest first", () => {
    appendJournal(root, journalLine(takeover));
    appendJournal(root, journalLine(failedRelease));

    const text = readFileSync(journalPath(root), "utf8");
    expect(text.split("\n")).toHaveLength(3);
    expect(readJournal(root)).toEqual({ entries: [takeover, failedRelease], skipped: 0, found: true });
  });

  it("rotates at the limit, keeping one previous file, so the journal stays bounded", () => {
    // Four lines reach the limit: the file that holds E0-E3 is rotated, then the one with E4-E7.
    const limit = journalLine({ ...takeover, event: "E0" }).length * 4;
    for (let i = 0; i < 10; i++) appendJournal(root, journalLine({ ...takeover, event: `E${i}` }), limit);

    expect(existsSync(`${journalPath(root)}.1`)).toBe(true);
    expect(existsSync(`${journalPath(root)}.2`)).toBe(false);
    expect(statSync(journalPath(root)).size).toBeLessThan(limit);
    // E0-E3 went with the second rotation; the previous file and the current one remain, in order.
    expect(readJournal(root).entries.map((e) => e.event)).toEqual(["E4", "E5", "E6", "E7", "E8", "E9"]);
  });
});

describe("one journal line", () => {
  it("stays within one atomic write however long the errors are, and remains an entry", () => {
    const long = {
      ...failedRelease,
      steps: Array.from({ length: 40 }, (_, i) => ({ ...failedRelease.steps[1]!, name: `data${i}`, error: "x".repeat(5000) })),
      error: "y".repeat(10_000),
    };

    const line = journalLine(long);

    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(journalLineLimitBytes);
    expect(line.endsWith("\n")).toBe(true);
    expect(line.indexOf("\n")).toBe(line.length - 1);
    const parsed = JSON.parse(line) as typeof long & { stepsLeftOut: number };
    expect(parsed.steps.length + parsed.stepsLeftOut).toBe(40);
    expect(parsed.error!.length).toBeLessThanOrEqual(80);
  });

  it("keeps an ordinary entry whole", () => {
    expect(JSON.parse(journalLine(takeover))).toEqual(takeover);
  });
});

describe("reading the journal", () => {
  it("says there is none when nothing was ever recorded", () => {
    expect(readJournal(root)).toEqual({ entries: [], skipped: 0, found: false });
  });

  it("skips and counts a torn line, a line that is not JSON and JSON that is not an entry", () => {
    appendJournal(root, journalLine(takeover));
    appendFileSync(journalPath(root), '{"time":"2026-11-30T15:41:00Z","event":"MAS\n');
    appendFileSync(journalPath(root), "hello\n");
    appendFileSync(journalPath(root), '{"time":1}\n');
    appendJournal(root, journalLine(overtaken));

    expect(readJournal(root)).toEqual({ entries: [takeover, overtaken], skipped: 3, found: true });
  });
});
