import { AwsHaError } from "../errors";

// systemd splits ExecStart= on whitespace, keeps quoted words whole (C escapes inside), and expands
// %-specifiers and $VARIABLES anywhere in the line: a path holding a space, a % or a $ must be
// written so that the command systemd runs is exactly the argv given.

export function systemdCommandLine(argv: readonly string[]): string {
  return argv
    .map((word) => {
      if (word === "" || [...word].some(isControl))
        throw new AwsHaError(
          "config",
          `${JSON.stringify(word)} cannot be written in a systemd command line (empty, or a control character)`,
        );
      const specifiersKept = word.replaceAll("%", "%%").replaceAll("$", "$$$$");
      return /[\s"'\\;]/.test(word) ? `"${specifiersKept.replace(/["\\]/g, (c) => `\\${c}`)}"` : specifiersKept;
    })
    .join(" ");
}

/** A newline, tab or other control character: systemd would end or split the line on some of them. */
function isControl(c: string): boolean {
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}
