import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AwsHaError, ConfigError } from "../../src/errors";
import { Logger, StreamSink, SyslogSink } from "../../src/log";

// What reaches stderr and syslog carries words from outside: hook arguments, keepalived's instance
// names, FIFO lines, EC2's answers. Each record must stay one line of bounded size, whatever those
// words hold, so nobody can forge a line or flood the journal.

function stderrOf(format: "text" | "json"): { log: Logger; lines: () => string[] } {
  const stream = new PassThrough();
  let text = "";
  stream.setEncoding("utf8").on("data", (s: string) => (text += s));
  const log = new Logger([new StreamSink(stream, format, "debug")]);
  return { log, lines: () => text.split("\n").slice(0, -1) };
}

const bytes = (s: string) => Buffer.byteLength(s);

describe("a log line, whatever the words in it hold", () => {
  it("stays one line when a message or a field holds a newline", () => {
    const { log, lines } = stderrOf("text");
    log.info("running /usr/local/bin/hook a\nERROR forged line", { arg: "x\r\ny" });
    expect(lines()).toEqual(["running /usr/local/bin/hook a\\nERROR forged line arg=x\\r\\ny"]);
  });

  it("shows NUL, escape and other control characters as escapes, in the message and in every field", () => {
    const { log, lines } = stderrOf("text");
    log.warn("name a\0b\x1b[31mred\x7f\u2028", { instance: "VI\0_1", names: ["a\tb", "c\u0085"] });
    expect(lines()).toEqual(["WARN name a\\0b\\x1b[31mred\\x7f\\u2028 instance=VI\\0_1 names=a\\tb,c\\x85"]);
  });

  it("cuts a 10 MB value to a bounded line that says how much it left out", () => {
    const { log, lines } = stderrOf("text");
    const huge = "A".repeat(10 * 1024 * 1024);
    log.info(`running ${huge}`, { arg: huge, other: "kept" });
    const [line, ...more] = lines();
    expect(more).toEqual([]);
    expect(bytes(line!)).toBeLessThanOrEqual(4096);
    const [, messageLeft, argLeft] = /^running A+… (\d+) bytes more arg="A+… (\d+) bytes more" other=kept$/.exec(line!) ?? [];
    expect(Number(messageLeft)).toBeGreaterThan(10_000_000);
    expect(Number(argLeft)).toBeGreaterThan(10_000_000);
  });

  it("counts bytes, and never cuts a character in two", () => {
    const { log, lines } = stderrOf("text");
    log.info("é".repeat(5000));
    const line = lines()[0]!;
    expect(line).not.toContain("\ufffd");
    expect(line).toMatch(/^(é)+… \d+ bytes more$/);
    expect(bytes(line)).toBeLessThanOrEqual(4096);
  });

  it("as JSON: one parseable object per line, within the same bound, escapes kept", () => {
    const { log, lines } = stderrOf("json");
    const fields = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}`, `"${"q".repeat(3000)}\n`]));
    log.error(`line one\nline "two"`, { ...fields, count: 3 });
    const [line, ...more] = lines();
    expect(more).toEqual([]);
    expect(bytes(line!)).toBeLessThanOrEqual(4096);
    const parsed = JSON.parse(line!) as Record<string, unknown>;
    expect(parsed).toMatchObject({ level: "error", msg: 'line one\\nline "two"', count: 3 });
    expect(String(parsed.f0)).toMatch(/^"q+… \d+ bytes more$/);
  });

  it("redacts a secret even where the cut would have left half of it", () => {
    const { log, lines } = stderrOf("text");
    log.redact("s3cr3t-pass-word");
    log.info(`${"x".repeat(2040)}s3cr3t-pass-word tail`);
    expect(lines()[0]).not.toContain("s3cr3t");
  });
});

describe("the syslog sink", () => {
  let dir = "";
  let savedPath: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aws-ha-log-"));
    // A stand-in for util-linux logger: it keeps its arguments and what it read on stdin.
    writeFileSync(join(dir, "logger"), `#!/bin/sh\necho "$@" > '${dir}/args'\nexec cat > '${dir}/records'\n`);
    chmodSync(join(dir, "logger"), 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${dir}:${savedPath ?? ""}`;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    rmSync(dir, { recursive: true, force: true });
  });

  it("hands logger one record per event: no NUL that ends it early, no line that starts another, no size it would split", async () => {
    const sink = new SyslogSink("aws-ha-notify", "text");
    const log = new Logger([sink]);
    log.info("hook argument a\0b\nERROR forged", { arg: "z".repeat(10 * 1024 * 1024) });
    log.error("second");
    await log.close();

    const records = readFileSync(join(dir, "records"), "utf8").split("\n").slice(0, -1);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatch(/^<30>hook argument a\\0b\\nERROR forged arg="z+… \d+ bytes more"$/);
    expect(records[1]).toBe("<27>ERROR second");
    // logger splits a record at its --size (1 KiB by default): it is told the bound of our lines.
    const size = Number(/--size (\d+)/.exec(readFileSync(join(dir, "args"), "utf8"))?.[1]);
    expect(size).toBeGreaterThanOrEqual(Math.max(...records.map(bytes)));
  });
});

describe("a command's failure in the log", () => {
  it("shows each problem of a description on a line of its own, each escaped, and nothing forged", () => {
    const { log, lines } = stderrOf("text");
    const error = new ConfigError(
      [
        { path: "nodes", message: "a cluster needs at least 2 nodes, found 1" },
        { path: "resources[0].name", message: 'bad name "x\nERROR forged"' },
      ],
      "/etc/aws-ha/cluster.yaml",
    );
    log.failure(error);
    expect(lines()).toEqual([
      "ERROR /etc/aws-ha/cluster.yaml: 2 problems",
      "ERROR nodes: a cluster needs at least 2 nodes, found 1",
      'ERROR resources[0].name: bad name "x\\nERROR forged"',
    ]);
  });

  it("keeps any other error to one line", () => {
    const { log, lines } = stderrOf("text");
    log.failure(new AwsHaError("cloud", "EC2 said\nno", { fix: "retry" }));
    expect(lines()).toEqual(["ERROR EC2 said\\nno; retry"]);
  });
});
