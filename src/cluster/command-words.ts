import type { ConfigProblem } from "../errors";
import { controlCharacter } from "./schema-primitives";

/**
 * Words of a command run without a shell: a NUL ends the word early when it reaches execve, and a
 * line break splits the line of keepalived.conf or the log that carries it.
 */
export function argvControlProblems(argv: readonly string[], at: string): ConfigProblem[] {
  return argv.flatMap((word, i) => {
    const found = controlCharacter.exec(word);
    if (!found) return [];
    const code = `U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    return [
      {
        path: `${at}[${i}]`,
        message: `${JSON.stringify(word)} contains a control character (${code}); a NUL cuts the argument short and a line break splits the line that carries it`,
      },
    ];
  });
}
