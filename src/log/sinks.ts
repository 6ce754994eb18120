import type { ChildProcess } from "node:child_process";
import { childProcesses } from "../platform/child-processes";
import { existsSync } from "node:fs";
import { formatJson, formatText } from "./format";
import type { Level, LogRecord, Sink } from "./record";
import { lineLimitBytes } from "./text";

// keepalived hands notify scripts /dev/null for stdin/stdout/stderr, so every line also goes to
// syslog (journald reads /dev/log). One `logger` child per process keeps the hot path free of
// per-line process starts.

const levelRank: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export class StreamSink implements Sink {
  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly format: "text" | "json",
    private readonly minLevel: Level = "info",
  ) {}
  write(r: LogRecord): void {
    if (levelRank[r.level] < levelRank[this.minLevel]) return;
    // --verbose (debug) is when a text line shows an error's details.
    this.stream.write(`${this.format === "json" ? formatJson(r) : formatText(r, this.minLevel === "debug")}\n`);
  }
  async close(): Promise<void> {}
}

const syslogPriority: Record<Level, number> = { debug: 7, info: 6, warn: 4, error: 3 };

/** Writes through `logger --prio-prefix` to syslog/journald with facility daemon (3). */
export class SyslogSink implements Sink {
  private child: ChildProcess | undefined;
  private failed = false;
  constructor(
    private readonly tag: string,
    private readonly format: "text" | "json",
  ) {}

  static available(): boolean {
    return existsSync("/dev/log");
  }

  write(r: LogRecord): void {
    if (this.failed || r.level === "debug") return;
    if (!this.child) {
      // Its own process group: keepalived signals a script's whole group at shutdown, and the lines
      // that say what the release did must outlive that. It ends when our end of its stdin closes.
      // logger splits a longer line into several records, 1 KiB each unless told the size.
      this.child = childProcesses().spawn(
        "logger",
        ["--prio-prefix", "--size", String(lineLimitBytes + 64), "-t", this.tag, "--id=" + process.pid],
        {
          stdio: ["pipe", "ignore", "ignore"],
          detached: true,
        },
      );
      this.child.on("error", () => (this.failed = true));
      this.child.stdin?.on("error", () => (this.failed = true));
    }
    // Both formats give one bounded line without control characters: one record each, whole. Like
    // debug records, an error's details stay out of syslog's text lines; its JSON records carry them.
    const line = this.format === "json" ? formatJson(r) : formatText(r);
    this.child.stdin?.write(`<${3 * 8 + syslogPriority[r.level]}>${line}\n`);
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child || this.failed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 500);
      child.once("exit", () => (clearTimeout(timer), resolve()));
      child.stdin?.end();
    });
  }
}
