import type { SyslogLine } from "./node-syslog";

// aws-ha-notify's log lines as the node's syslog received them. Text lines read
// `[LEVEL ]message key=value …`, JSON lines (--log-format json) are one object each; both carry the
// step durations as `ms`. The arrival time of a line is the lab's clock, comparable across nodes.

export interface NotifyRecord {
  at: number;
  pid?: number;
  level: string;
  msg: string;
  fields: Record<string, string>;
}

export const notifyTag = "aws-ha-notify";

export function parseNotifyLine(line: SyslogLine): NotifyRecord {
  const base = { at: line.at, ...(line.pid !== undefined ? { pid: line.pid } : {}) };
  const text = line.message.trim();
  if (text.startsWith("{")) {
    try {
      const { level, msg, ...rest } = JSON.parse(text) as Record<string, unknown>;
      delete rest.time;
      const fields = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : String(v)]));
      return { ...base, level: String(level ?? "info"), msg: String(msg ?? ""), fields };
    } catch {
      // fall through to the text form
    }
  }
  const levelMatch = /^(DEBUG|WARN|ERROR) /.exec(text);
  const level = levelMatch ? levelMatch[1]!.toLowerCase() : "info";
  const body = levelMatch ? text.slice(levelMatch[0].length) : text;
  // key=value pairs run to the end of the line; values may be JSON-quoted strings.
  const fields: Record<string, string> = {};
  const pair = /\s([A-Za-z][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g;
  let firstPair = body.length;
  for (let m = pair.exec(body); m; m = pair.exec(body)) {
    firstPair = Math.min(firstPair, m.index);
    fields[m[1]!] = m[2]!.startsWith('"') ? safeJson(m[2]!) : m[2]!;
  }
  return { ...base, level, msg: body.slice(0, firstPair).trim(), fields };
}

export function notifyRecords(lines: readonly SyslogLine[], since = 0): NotifyRecord[] {
  return lines.filter((l) => l.tag === notifyTag && l.at >= since).map(parseNotifyLine);
}

function safeJson(quoted: string): string {
  try {
    return String(JSON.parse(quoted));
  } catch {
    return quoted;
  }
}
