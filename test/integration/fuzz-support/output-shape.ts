// What an operator (or syslog, or Heartbeat's debug log) must be able to rely on in an error:
// one line that cannot forge a second log line or garble a terminal, and never a JavaScript stack.

/** Line breaks of any kind and the other control characters (C0, DEL, C1), tab excepted. */
// eslint-disable-next-line no-control-regex
const controlCharacter = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/;
/** The C0 controls, tab excepted: what no error message may carry, whoever prints it. */
// eslint-disable-next-line no-control-regex
const c0Control = /[\u0000-\u0008\u000a-\u001f]/;

function firstMatch(pattern: RegExp, text: string): string | undefined {
  const m = pattern.exec(text);
  if (!m) return undefined;
  return `contains ${JSON.stringify(m[0])} at ${m.index}: ${JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 40))}`;
}

/** Why `text`, as printed to stderr or syslog, is not one clean line, or undefined when it is. */
export function notOneLine(text: string): string | undefined {
  return firstMatch(controlCharacter, text);
}

/**
 * Why an error's own text is not one line, or undefined. The CLIs' output layer escapes DEL, C1
 * controls and the Unicode separators as it prints; a line break or another C0 control in the
 * message itself is a second line for any caller that prints it as it is.
 */
export function breaksLine(text: string): string | undefined {
  return firstMatch(c0Control, text);
}

/**
 * What a crash leaves on stderr: frames of a stack trace, Node's internals, Node's own warning
 * banner (`(node:1234) [CODE] …Warning`), or a parser's source excerpt with its caret line.
 */
const crashSigns = [/^ {4}at \S/m, /node:internal/, /\bat .*\.[cm]?js:\d+:\d+/, /^\(node:\d+\) /m, /^\s*\^+\s*$/m];

export function crashSignIn(text: string): string | undefined {
  for (const sign of crashSigns) {
    const m = sign.exec(text);
    if (m) return `${sign} in ${JSON.stringify(text.slice(Math.max(0, m.index - 200), m.index + 200))}`;
  }
  return undefined;
}

/** The lines of a program's output, without the empty one after the last newline. */
export function linesOf(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/**
 * A config problem list as ConfigError prints it: `SOURCE: N problem(s)` and then exactly N lines
 * `  PATH: MESSAGE`, each of them one clean line. Returns what is wrong, or undefined.
 */
export function notAProblemList(text: string): string | undefined {
  const lines = linesOf(text);
  const head = /^(.*): (\d+) problems?$/.exec(lines[0] ?? "");
  if (!head) return `first line is not "SOURCE: N problems": ${JSON.stringify(lines[0])}`;
  const count = Number(head[2]);
  if (count < 1) return `announces ${count} problems`;
  if (lines.length !== count + 1) return `announces ${count} problems but has ${lines.length - 1} lines after the first`;
  for (const [i, line] of lines.slice(1).entries()) {
    if (!/^ {2}\S.*?: /.test(line)) return `problem line ${i + 1} is not "  PATH: MESSAGE": ${JSON.stringify(line.slice(0, 120))}`;
    const dirty = notOneLine(line);
    if (dirty) return `problem line ${i + 1} ${dirty}`;
  }
  return undefined;
}
