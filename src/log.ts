import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";

// keepalived hands notify scripts /dev/null for stdin/stdout/stderr, so every line also goes to
// syslog (journald reads /dev/log). One `logger` child per process keeps the hot path free of
// per-line process starts.

type Level = "debug" | "info" | "warn" | "error";
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

// Every line carries words from outside (hook arguments, instance names, FIFO lines, EC2's answers).
// A newline in one would forge a second line, a NUL ends a syslog record early, and a 10 MB one
// would become a 10 MB line and thousands of syslog records. So every value is escaped and bounded.

/** The most bytes a message keeps, and each field. */
const messageLimitBytes = 2048;
const fieldLimitBytes = 1024;
/** The most bytes of one line on stderr or in syslog; SyslogSink tells logger so it never splits one. */
const lineLimitBytes = 4096;

// C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional
// overrides that make a terminal show text in another order than it is.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const controls = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const namedEscapes: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0" };

/** Control characters as visible escapes (newline → \n, NUL → \0, ESC → \x1b), so text stays on its line. */
export function escapeControls(text: string): string {
  return text.replace(controls, (c) => {
    const code = c.charCodeAt(0);
    return namedEscapes[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`);
  });
}

/** At most `limit` bytes of UTF-8 (never half a character), saying how many bytes it left out. */
function capBytes(text: string, limit: number): string {
  // Each UTF-16 unit is at least one byte: a string this short is within the limit.
  if (text.length <= limit / 3) return text;
  const total = Buffer.byteLength(text);
  if (total <= limit) return text;
  const budget = Math.max(0, limit - 32);
  let head = text.slice(0, budget);
  if (/[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  const encoded = Buffer.from(head);
  let end = Math.min(budget, encoded.length);
  // A byte 10xxxxxx continues a character: cut before that character's first byte.
  while (end > 0 && end < encoded.length && (encoded[end]! & 0xc0) === 0x80) end--;
  const kept = encoded.subarray(0, end).toString("utf8");
  return `${kept}… ${total - end} bytes more`;
}

/** Text from anywhere made fit for one log line: escaped, then bounded. */
export function oneLine(text: string, limit = messageLimitBytes): string {
  return capBytes(escapeControls(text), limit);
}

/** A word from outside as a message quotes it: JSON-quoted, escaped, and only the start of a long one. */
export function quoted(word: string, limit = 60): string {
  return word.length > limit ? `${JSON.stringify(`${word.slice(0, limit)}…`)} (${word.length} characters)` : JSON.stringify(word);
}

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

  /** Runs fn and logs its outcome with its duration. */
  async step<T>(msg: string, fields: Fields, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await fn();
      const outcome = typeof result === "string" ? { outcome: result } : {};
      this.info(msg, { ...fields, ...outcome, ms: Math.round(performance.now() - started) });
      return result;
    } catch (e) {
      this.error(`${msg} failed`, { ...fields, ms: Math.round(performance.now() - started), error: errorText(e), ...errorFields(e) });
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

/**
 * The fields a log record about an error carries besides its text: EC2's code and request id (what
 * AWS support asks for), the HTTP status, and the chain of causes (the SDK's or Node's own errors).
 * A JSON record always carries them; a text line shows them only at --verbose (see formatText).
 * Each front end logs an error as `log.error(text, errorFields(e))`; Logger.failure and step do it.
 */
export function errorFields(e: unknown): Fields {
  const fields: Fields = {};
  let level: unknown = e;
  for (let depth = 0; depth <= causeDepth && level instanceof Error; depth++, level = level.cause) {
    const facts = awsFactsOf(level);
    fields.awsCode ??= facts.awsCode;
    fields.requestId ??= facts.requestId;
    fields.httpStatus ??= facts.httpStatus;
  }
  const causes = causeChain(e);
  if (causes) fields.cause = causes;
  for (const key of errorDetailKeys) if (fields[key] === undefined) delete fields[key];
  return fields;
}

/** The fields errorFields adds; a text line shows them only at --verbose. */
const errorDetailKeys = ["awsCode", "requestId", "httpStatus", "cause"] as const;

/** How many causes deep a record follows an error: enough for SDK error ← socket error. */
const causeDepth = 3;

interface AwsFacts {
  awsCode?: string;
  requestId?: string;
  httpStatus?: number;
}

// An AwsHaError keeps them in its details (src/errors.ts, which imports this file: so no import back);
// an SDK error in `name` and `$metadata`, and only a service error (with `$fault`) names an AWS code.
function awsFactsOf(e: Error): AwsFacts {
  const details = (e as { details?: unknown }).details;
  if (details && typeof details === "object") {
    const d = details as Record<string, unknown>;
    return {
      awsCode: typeof d.awsCode === "string" ? d.awsCode : undefined,
      requestId: typeof d.requestId === "string" ? d.requestId : undefined,
      httpStatus: typeof d.httpStatus === "number" ? d.httpStatus : undefined,
    };
  }
  const sdk = e as { $metadata?: { requestId?: unknown; httpStatusCode?: unknown }; $fault?: unknown };
  return {
    awsCode: sdk.$fault !== undefined ? oneLine(e.name, 80) : undefined,
    requestId: typeof sdk.$metadata?.requestId === "string" ? sdk.$metadata.requestId : undefined,
    httpStatus: typeof sdk.$metadata?.httpStatusCode === "number" ? sdk.$metadata.httpStatusCode : undefined,
  };
}

/** `Name CODE: message ← Name: message`, from the error's cause down, each one bounded. */
function causeChain(e: unknown): string | undefined {
  const links: string[] = [];
  let level = e instanceof Error ? e.cause : undefined;
  for (let depth = 0; depth < causeDepth && level !== undefined && level !== null; depth++) {
    if (!(level instanceof Error)) {
      links.push(oneLine(String(level), 200));
      break;
    }
    const code = (level as { code?: unknown }).code;
    const name = typeof code === "string" && code !== level.name ? `${level.name} ${code}` : level.name;
    links.push(oneLine(`${name}: ${level.message.split("\n")[0] ?? ""}`, 200));
    level = level.cause;
  }
  return links.length > 0 ? links.join(" ← ") : undefined;
}

export function errorText(e: unknown): string {
  if (e && typeof e === "object" && "describe" in e && typeof e.describe === "function") return String(e.describe());
  return e instanceof Error ? e.message : String(e);
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

function textValue(v: Fields[string]): string {
  const text = Array.isArray(v) ? v.join(",") : String(v);
  // Values are escaped already: quoting only keeps a value with spaces together.
  return /\s/.test(text) ? `"${text.replace(/"/g, '\\"')}"` : text;
}

/**
 * One line of text. An error's details (errorFields) are left out unless `withErrorDetails`
 * (--verbose), where they follow as `(AWS request id …, code …, HTTP …; caused by …)`.
 */
export function formatText(r: LogRecord, withErrorDetails = false): string {
  const detailKeys: readonly string[] = errorDetailKeys;
  const kv = Object.entries(r.fields)
    .filter(([k]) => !detailKeys.includes(k))
    .map(([k, v]) => `${k}=${textValue(v)}`)
    .join(" ");
  const details = withErrorDetails ? errorDetailsText(r.fields) : "";
  // Escaping again changes nothing in a Logger's records; it guards records made elsewhere.
  return oneLine(`${r.level === "info" ? "" : `${r.level.toUpperCase()} `}${r.msg}${kv ? ` ${kv}` : ""}${details}`, lineLimitBytes);
}

function errorDetailsText(fields: Fields): string {
  const { awsCode, requestId, httpStatus, cause } = fields;
  const facts = [
    requestId != null ? `AWS request id ${String(requestId)}` : undefined,
    awsCode != null ? `code ${String(awsCode)}` : undefined,
    httpStatus != null ? `HTTP ${String(httpStatus)}` : undefined,
  ].filter((part) => part !== undefined);
  const said = [facts.join(", "), cause != null ? `caused by ${String(cause)}` : ""].filter((part) => part !== "").join("; ");
  return said ? ` (${said})` : "";
}

/** One JSON object per line; when the whole would pass the line's bound, its strings get a smaller share each. */
function formatJson(r: LogRecord): string {
  const whole = JSON.stringify({ time: r.time, level: r.level, msg: r.msg, ...r.fields });
  if (Buffer.byteLength(whole) <= lineLimitBytes) return whole;
  const strings = 1 + Object.values(r.fields).filter((v) => typeof v === "string" || Array.isArray(v)).length;
  // JSON may double a character (\ and "), so each string gets half its even share.
  const share = Math.max(48, Math.floor((lineLimitBytes - 512) / strings / 2));
  const fields = Object.fromEntries(
    Object.entries(r.fields).map(([k, v]) => [
      capBytes(k, 64),
      typeof v === "string" ? capBytes(v, share) : Array.isArray(v) ? capBytes(v.join(","), share) : v,
    ]),
  );
  const shrunk = JSON.stringify({ time: r.time, level: r.level, msg: capBytes(r.msg, share), ...fields });
  if (Buffer.byteLength(shrunk) <= lineLimitBytes) return shrunk;
  // Only a record with a great many fields gets here: keep what it was about.
  return JSON.stringify({
    time: r.time,
    level: r.level,
    msg: capBytes(r.msg, 1024),
    truncated: `${Object.keys(r.fields).length} fields left out, ${Buffer.byteLength(whole)} bytes in all`,
  });
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
      this.child = spawn("logger", ["--prio-prefix", "--size", String(lineLimitBytes + 64), "-t", this.tag, "--id=" + process.pid], {
        stdio: ["pipe", "ignore", "ignore"],
        detached: true,
      });
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
