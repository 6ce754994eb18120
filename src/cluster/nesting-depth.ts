import { Lexer } from "yaml";

// A description nests four or five levels deep. The YAML parser's time grows much faster than the
// text with nesting: a megabyte of `[[[[…` or `- - - …` keeps it busy for seconds while a
// failover waits. Its lexer is quick and yields tokens one by one, so the nesting is measured on
// those, and the measurement stops at the first token past the limit.

/** Flow collections (`[`, `{`) open at once: ten times what a description needs. */
const maxFlowDepth = 64;
/** Indentation plus block indicators (`-`, `?`, `:`) on one line. */
const maxLineDepth = 256;

/** Why the YAML text nests too deep to be parsed, or undefined when it does not. */
export function nestingProblem(text: string): string | undefined {
  let flow = 0;
  let line = 1;
  let lineDepth = 0;
  let lineStart = true;
  for (const token of new Lexer().lex(text)) {
    if (token === "\n" || token === "\r\n") {
      line++;
      lineDepth = 0;
      lineStart = true;
      continue;
    }
    if (lineStart && /^[ \t]+$/.test(token)) lineDepth += token.length;
    lineStart = false;
    if (token === "[" || token === "{") flow++;
    else if (token === "]" || token === "}") flow = Math.max(0, flow - 1);
    else if (flow === 0 && (token === "-" || token === "?" || token === ":")) lineDepth++;
    if (flow > maxFlowDepth) return `line ${line} opens more than ${maxFlowDepth} [ or { at once; a description needs a handful`;
    if (lineDepth > maxLineDepth)
      return `line ${line} is indented or nested more than ${maxLineDepth} levels deep; a description needs a handful`;
  }
  return undefined;
}
