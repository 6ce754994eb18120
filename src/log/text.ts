// Every line carries words from outside (hook arguments, instance names, FIFO lines, EC2's answers).
// A newline in one would forge a second line, a NUL ends a syslog record early, and a 10 MB one
// would become a 10 MB line and thousands of syslog records. So every value is escaped and bounded.

/** The most bytes a message keeps, and each field. */
export const messageLimitBytes = 2048;
export const fieldLimitBytes = 1024;
/** The most bytes of one line on stderr or in syslog; SyslogSink tells logger so it never splits one. */
export const lineLimitBytes = 4096;

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
export function capBytes(text: string, limit: number): string {
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
