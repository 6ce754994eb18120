// The width of a line of help text in terminal columns, for the layout of `aws-ha-gen --help`.
// yargs measures every cell with the string-width package, whose Intl.Segmenter costs a fifth of the
// command's start-up; the help text is ours and holds no wide or combining characters, so code
// points without the ANSI colour codes are the columns.

// eslint-disable-next-line no-control-regex -- the escape character is exactly what is matched
const ansiEscape = /\u001b\[[0-9;]*[A-Za-z]/g;

export default function textWidth(text: string): number {
  let width = 0;
  for (const _ of text.replace(ansiEscape, "")) width++;
  return width;
}
