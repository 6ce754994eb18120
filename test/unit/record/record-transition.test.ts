import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { journalPath, readJournal } from "../../../src/record/journal";
import { recordTransition } from "../../../src/record/record-transition";
import { clusterOf } from "../support/cluster";
import { memoryLog } from "../support/memory-log";
import { parseExposition } from "./exposition";
import { failedRelease, takeover } from "./entries";

// The record a transition leaves: the journal line always, the textfile when metrics are on. The
// transition happened whatever becomes of its record: a record that cannot be written is a warning.

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "aws-ha-record-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const describedWith = (paths: { historyDir: string }, metrics?: { textfileDir: string }) =>
  clusterOf([{ kind: "vip", name: "web-vip", address: "10.0.1.100" }], { paths, ...(metrics ? { metrics } : {}) });

describe("the record of a transition", () => {
  it("is a journal line, and no textfile while metrics are off", async () => {
    const { log, lines } = memoryLog();
    const historyDir = join(root, "history");

    await recordTransition(describedWith({ historyDir }), log, takeover);

    expect(readJournal(historyDir).entries).toEqual([takeover]);
    expect(existsSync(join(historyDir, "metrics-state.json"))).toBe(false);
    expect(lines).toEqual([]);
  });

  it("with metrics on, is also a textfile whose counters add up over transitions", async () => {
    const { log, lines } = memoryLog();
    const historyDir = join(root, "history");
    const textfileDir = join(root, "textfile");
    mkdirSync(textfileDir);
    const description = describedWith({ historyDir }, { textfileDir });

    await recordTransition(description, log, takeover);
    await recordTransition(description, log, failedRelease);

    const { samples } = parseExposition(readFileSync(join(textfileDir, "aws-ha-web.prom"), "utf8"));
    const total = samples.filter((s) => s.name === "aws_ha_transitions_total").map((s) => [s.labels.direction, s.labels.outcome, s.value]);
    expect(total).toEqual([
      ["acquire", "done", 1],
      ["release", "incomplete", 1],
    ]);
    expect(lines).toEqual([]);
  });

  it("that cannot be written is a warning, and the transition's outcome stands", async () => {
    const { log, lines } = memoryLog();
    writeFileSync(join(root, "file"), "");

    await expect(recordTransition(describedWith({ historyDir: join(root, "file", "history") }), log, takeover)).resolves.toBeUndefined();

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^WARN the journal of transitions was not written: paths\.historyDir .*: cannot create/);
  });

  it("without node_exporter's directory still keeps the journal, and warns about the textfile", async () => {
    const { log, lines } = memoryLog();
    const historyDir = join(root, "history");
    const textfileDir = join(root, "no-such-dir");

    await recordTransition(describedWith({ historyDir }, { textfileDir }), log, takeover);

    expect(existsSync(journalPath(historyDir))).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^WARN the metrics textfile in ${textfileDir} was not written: .*ENOENT`));
  });

  it("keeps the description's secrets out of the journal, which every user may read", async () => {
    const { log } = memoryLog();
    const historyDir = join(root, "history");
    const description = clusterOf([{ kind: "vip", name: "web-vip", address: "10.0.1.100" }], {
      paths: { historyDir },
      keepalived: { virtualRouterId: 51, authPass: "s3cr3tpw" },
    });
    const leaky = { ...failedRelease, steps: [{ ...failedRelease.steps[1]!, error: "hook said: pass s3cr3tpw rejected" }] };

    await recordTransition(description, log, leaky);

    const text = readFileSync(journalPath(historyDir), "utf8");
    expect(text).not.toContain("s3cr3tpw");
    expect(readJournal(historyDir).entries[0]!.steps[0]!.error).toBe("hook said: pass [redacted] rejected");
  });
});
