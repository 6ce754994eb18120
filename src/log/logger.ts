import { errorFields, errorText } from "./error-fields";
import type { Fields, Level, LogRecord, Sink } from "./record";
import { escapeControls, fieldLimitBytes, messageLimitBytes, oneLine } from "./text";

// One logger per command, with child loggers that add fields (event, node, resource). Secrets the
// description holds, and any field whose name says it is one, never reach a sink.

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

  /**
   * Logs why a command failed. A description's problem list is one record per problem, each
   * escaped on its own: the operator reads them as lines, and no value can forge a line.
   */
  failure(e: unknown, fields: Fields = {}): void {
    // A ConfigError's lines are escaped one by one when it is made (src/errors.ts).
    const lines = Array.isArray((e as { problems?: unknown } | undefined)?.problems) ? errorText(e).split("\n") : [errorText(e)];
    const details = errorFields(e);
    for (const line of lines) this.error(line.trim(), { ...fields, ...details });
  }

  async close(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.close()));
  }

  private emit(level: Level, msg: string, fields: Fields): void {
    const merged: Fields = {};
    for (const [k, v] of Object.entries({ ...this.base, ...fields })) {
      if (v === undefined) continue;
      // Secrets go before the cut: a cut could leave half of one that no longer matches.
      merged[oneLine(k, 64)] = secretKeys.test(k)
        ? "[redacted]"
        : typeof v === "string"
          ? oneLine(this.scrub(v), fieldLimitBytes)
          : Array.isArray(v)
            ? boundedList(v.map((item) => this.scrub(String(item))))
            : v;
    }
    const record: LogRecord = { time: new Date().toISOString(), level, msg: oneLine(this.scrub(msg), messageLimitBytes), fields: merged };
    for (const sink of this.sinks) sink.write(record);
  }

  private scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join("[redacted]");
    return out;
  }
}

/** The items of a list field, escaped, as many as fit in a field; the rest counted. */
function boundedList(items: readonly string[]): string[] {
  const kept: string[] = [];
  let used = 0;
  let left = 0;
  for (const item of items) {
    const text = escapeControls(item);
    const size = Buffer.byteLength(text) + 1;
    if (left === 0 && used + size <= fieldLimitBytes) {
      kept.push(text);
      used += size;
    } else left += size;
  }
  return left > 0 ? [...kept, `… ${left} bytes more`] : kept;
}
