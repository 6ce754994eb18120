import { errorDetailKeys } from "./error-fields";
import type { Fields, LogRecord } from "./record";
import { capBytes, lineLimitBytes, oneLine } from "./text";

// A record as one line of text or one JSON object, each bounded to one line of stderr or syslog.

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
export function formatJson(r: LogRecord): string {
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
