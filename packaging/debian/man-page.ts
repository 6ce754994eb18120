// A section-1 manual page made from a command's --help text, so that the page and the help cannot
// drift apart: the help is the one text, and this only lays it out in roff.
//
// How the help text is read: blocks are separated by blank lines; the first block is
// "NAME — what it does"; a short unindented line ending in ":" heads the indented lines under it
// ("Options:", "Exit codes:"); the "Usage:" block (and the indented blocks after it) is the
// synopsis; unindented lines are prose and are filled; indented lines are kept as they are.

export interface ManPageInput {
  command: string;
  /** What `COMMAND --help` prints. */
  help: string;
  /** Each subcommand's own `--help`, printed under COMMANDS in this order. */
  subcommands?: readonly { name: string; help: string }[];
  /** Related pages, e.g. "aws-ha-gen(1)". */
  seeAlso: readonly string[];
  /** Shown in the page's footer, e.g. "aws-ha 0.1.0". */
  source: string;
  /** The footer's date, YYYY-MM-DD. */
  date: string;
  /** Where the full documentation is installed. */
  documentation: string;
}

export function renderManPage(input: ManPageInput): string {
  const [nameBlock, ...blocks] = blocksOf(input.help);
  if (!nameBlock) throw new Error(`${input.command} --help printed nothing`);
  const nameLine = nameBlock.map((l) => l.trim()).join(" ");
  const dash = nameLine.indexOf(" — ");
  if (!nameLine.startsWith(`${input.command} — `) || dash < 0)
    throw new Error(
      `${input.command} --help must begin with "${input.command} — what it does", not ${JSON.stringify(nameLine.slice(0, 60))}`,
    );

  const out: string[] = [
    `.\\" Made from \`${input.command} --help\` when the package is built: change the help text, not this page.`,
    `.TH ${roff(input.command.toUpperCase())} 1 ${input.date} ${quoted(input.source)} "User Commands"`,
    ".SH NAME",
    `${roff(input.command)} \\- ${roff(nameLine.slice(dash + " — ".length))}`,
  ];
  const { synopsis, rest } = splitSynopsis(blocks);
  if (synopsis.length > 0) out.push(".SH SYNOPSIS", ...synopsis.flatMap((b) => renderBlock(b, "subsection")));
  out.push(".SH DESCRIPTION", ...rest.flatMap((b) => renderBlock(b, "subsection")));
  if (input.subcommands && input.subcommands.length > 0) {
    out.push(".SH COMMANDS");
    for (const sub of input.subcommands) {
      out.push(".SS", roff(`${input.command} ${sub.name}`));
      out.push(...blocksOf(sub.help).flatMap((b) => renderBlock(b, "bold")));
    }
  }
  out.push(".SH SEE ALSO", ...input.seeAlso.map((page, i) => seeAlsoLine(page, i === input.seeAlso.length - 1)), ".PP");
  out.push(`The full documentation: ${roff(input.documentation)}`);
  return `${out.join("\n")}\n`;
}

/** "aws-ha-gen(1)" as `.BR aws\-ha\-gen (1),`: the name bold, the section roman. */
function seeAlsoLine(page: string, last: boolean): string {
  const m = /^(.+)\((\d)\)$/.exec(page);
  if (!m) throw new Error(`${page} is not NAME(SECTION)`);
  return `.BR ${roff(m[1]!)} (${m[2]})${last ? "" : ","}`;
}

type Block = string[];

function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  let current: Block = [];
  for (const line of text.replace(/\s+$/, "").split("\n")) {
    if (line.trim() === "") {
      if (current.length > 0) blocks.push(current);
      current = [];
    } else current.push(line.replace(/\s+$/, ""));
  }
  if (current.length > 0) blocks.push(current);
  return blocks;
}

const indented = (line: string) => /^\s/.test(line);

/** "Usage:" with its lines, and the indented blocks that continue it. */
function splitSynopsis(blocks: Block[]): { synopsis: Block[]; rest: Block[] } {
  const at = blocks.findIndex((b) => b[0] === "Usage:");
  if (at < 0) return { synopsis: [], rest: blocks };
  let end = at + 1;
  while (end < blocks.length && blocks[end]!.every(indented)) end++;
  const usage = blocks.slice(at, end);
  usage[0] = usage[0]!.slice(1);
  return { synopsis: usage.filter((b) => b.length > 0), rest: [...blocks.slice(0, at), ...blocks.slice(end)] };
}

/** A heading is a short label ("What each state does:"), not a sentence that ends in a colon. */
function isHeading(line: string, next: string | undefined): boolean {
  return !indented(line) && line.endsWith(":") && next !== undefined && indented(next) && line.split(/\s+/).length <= 5;
}

function renderBlock(block: Block, headingStyle: "subsection" | "bold"): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < block.length) {
    const line = block[i]!;
    if (isHeading(line, block[i + 1])) {
      const label = line.slice(0, -1);
      out.push(...(headingStyle === "subsection" ? [".SS", roff(label)] : [".PP", `.B ${quoted(label)}`]));
      i++;
    } else if (indented(line)) {
      const run: string[] = [];
      while (i < block.length && indented(block[i]!)) run.push(block[i++]!);
      const margin = Math.min(...run.map((l) => l.length - l.trimStart().length));
      out.push(".PP", ".RS 2", ".nf", ...run.map((l) => roff(l.slice(margin))), ".fi", ".RE");
    } else {
      const prose: string[] = [];
      while (i < block.length && !indented(block[i]!) && !isHeading(block[i]!, block[i + 1])) prose.push(block[i++]!);
      out.push(".PP", ...prose.map(roff));
    }
  }
  return out;
}

/**
 * Text as roff reads it literally: a backslash is \e, every "-" the ASCII minus of an option
 * (\-, not a typographic hyphen), anything outside ASCII its Unicode escape (the page stays ASCII
 * whatever the reader's locale), and a line may not start a request with "." or "'".
 */
export function roff(text: string): string {
  const escaped = text
    .replace(/\\/g, "\\e")
    .replace(/-/g, "\\-")
    .replace(/[^\x20-\x7e]/gu, (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}]`);
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

/** A macro argument: in double quotes, a quote inside as \(dq. */
function quoted(text: string): string {
  return `"${roff(text).replace(/"/g, "\\(dq")}"`;
}
