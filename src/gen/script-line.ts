import { AwsHaError } from "../errors";

// keepalived splits a quoted script line on unquoted spaces and keeps single-quoted words whole;
// it has no escape for a quote inside a word, so such a word cannot be passed at all.

export function scriptLine(argv: readonly string[]): string {
  return argv
    .map((word) => {
      if (/["'\n\\]/.test(word))
        throw new AwsHaError(
          "config",
          `${JSON.stringify(word)} cannot be passed in a keepalived script line (quotes, backslashes and newlines are not allowed)`,
        );
      return /\s/.test(word) || word === "" ? `'${word}'` : word;
    })
    .join(" ");
}
