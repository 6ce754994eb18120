import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";

// keepalived hands notify scripts /dev/null for stdin/stdout/stderr, so every line also goes to
// syslog (journald reads /dev/log). One `logger` child per process keeps the hot path free of
// per-line process starts.

export type Level = "debug" | "info" | "warn" | "error";
export type Fields = Record<string, string | number | boolean | undefined | null | string[]>;
export interface LogRecord {
  time: string;
  level: Level;
  msg: string;
  fields: Fields;
}

export interface Sink {
  write(record: LogRecord): void;
  close(): Promise<void>;
}

const secretKeys = /pass|key|secret|token/i;

export class Logger {
  private readonly secrets: Set<string>;
  constructor(
    private readonly sinks: readonly Sink[],
    private readonly base: Fields = {},
    secrets?: Set<string>,
  ) {
    this.secrets = secrets ?? new Set();
  }

  /** Values that must never appear in any log line (VRRP pass, Heartbeat key). */
  redact(...values: (string | undefined)[]): void {
    for (const v of values) if (v) this.secrets.add(v);
  }

  child(fields: Fields): Logger {
    return new Logger(this.sinks, { ...this.base, ...fields }, this.secrets);
  }

  debug(msg: string, fields: Fields = {}): void {
    this.emit("debug", msg, fields);
  }
  info(msg: string, fields: Fields = {}): void {
    this.emit("info", msg, fields);
  }
  warn(msg: string, fields: Fields = {}): void {
    this.emit("warn", msg, fields);
  }
  error(msg: string, fields: Fields = {}): void {
    this.emit("error", msg, fields);
  }

  /** Runs fn and logs its outcome with its duration. */
  async step<T>(msg: string, fields: Fields, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await fn();
      const outcome = typeof result === "string" ? { outcome: result } : {};
      this.info(msg, { ...fields, ...outcome, ms: Math.round(performance.now() - started) });
      return result;
    } catch (e) {
      this.error(`${msg} failed`, { ...fields, ms: Math.round(performance.now() - started), error: errorText(e) });
      throw e;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.close()));
  }

  private emit(level: Level, msg: string, fields: Fields): void {
    const merged: Fields = {};
    for (const [k, v] of Object.entries({ ...this.base, ...fields })) {
      if (v === undefined) continue;
      merged[k] = secretKeys.test(k) ? "[redacted]" : typeof v === "string" ? this.scrub(v) : v;
    }
    const record: LogRecord = { time: new Date().toISOString(), level, msg: this.scrub(msg), fields: merged };
    for (const sink of this.sinks) sink.write(record);
  }

  private scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join("[redacted]");
    return out;
  }
}

export function errorText(e: unknown): string {
  if (e && typeof e === "object" && "describe" in e && typeof e.describe === "function") return String(e.describe());
  return e instanceof Error ? e.message : String(e);
}

export function formatText(r: LogRecord): string {
  const kv = Object.entries(r.fields)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : /\s/.test(String(v)) ? JSON.stringify(v) : String(v)}`)
    .join(" ");
  return `${r.level === "info" ? "" : `${r.level.toUpperCase()} `}${r.msg}${kv ? ` ${kv}` : ""}`;
}

export function formatJson(r: LogRecord): string {
  return JSON.stringify({ time: r.time, level: r.level, msg: r.msg, ...r.fields });
}

const levelRank: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export class StreamSink implements Sink {
  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly format: "text" | "json",
    private readonly minLevel: Level = "info",
  ) {}
  write(r: LogRecord): void {
    if (levelRank[r.level] < levelRank[this.minLevel]) return;
    this.stream.write(`${this.format === "json" ? formatJson(r) : formatText(r)}\n`);
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
      this.child = spawn("logger", ["--prio-prefix", "-t", this.tag, "--id=" + process.pid], {
        stdio: ["pipe", "ignore", "ignore"],
        detached: true,
      });
      this.child.on("error", () => (this.failed = true));
      this.child.stdin?.on("error", () => (this.failed = true));
    }
    const line = this.format === "json" ? formatJson(r) : formatText(r);
    this.child.stdin?.write(`<${3 * 8 + syslogPriority[r.level]}>${line.replace(/\n/g, " ")}\n`);
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
