// The shared secrets as the daemons will read them. Each value is written bare into a config line,
// so a character the daemon's parser treats specially silently changes the secret (or the whole
// configuration) on the nodes, and nodes rendered from different values stop trusting each other.
//
// keepalived 2.2.7 (lib/parser.c, checked by running `keepalived -d` on `auth_pass VALUE`):
// - `#` and `!` outside double quotes start a comment: `ab#cdefg` is read as `ab`, with no warning;
// - `{` and `}` end the line's tokens and open or close a block: the configuration breaks;
// - `"` quotes: `ab"cd"ef` is read as `ab`, an unpaired one is an error;
// - `$NAME` expands keepalived's built-in definitions (_PWD, _INSTANCE, _RANDOM, _HASH, _BANG) when
//   the name ends the word or is followed by `,` or `)`: `ab$_PWD` becomes `ab` and the start of
//   keepalived's working directory;
// - a single quote, a backslash, `$` before anything else, and the rest of printable ASCII are
//   read as written.
// Heartbeat 3.0.6 (heartbeat/auth.c parse_authfile): `#` is a comment only as a line's first
// character, and the key is the third whitespace-separated word (sscanf %s), so any printable
// character but the space is read as written.

const keepalivedBuiltins = /\$(_PWD|_INSTANCE|_RANDOM|_HASH|_BANG)(?=$|[,)])/;

/** Why `pass` is unfit for keepalived's auth_pass, or undefined when keepalived reads it as written. */
export function authPassProblem(pass: string): string | undefined {
  if (pass.length < 6 || pass.length > 8) return `must be 6 to 8 characters (keepalived uses only the first 8), got ${pass.length}`;
  if (!/^[!-~]+$/.test(pass)) return "must be printable ASCII without spaces";
  const special = /[#!{}"]/.exec(pass);
  if (special) {
    const [ch] = special;
    const effect =
      ch === "#" || ch === "!"
        ? `starts a comment in keepalived.conf, so keepalived would use only ${JSON.stringify(pass.slice(0, special.index))}`
        : ch === '"'
          ? "starts a quoted string in keepalived.conf, so keepalived would not use the characters as written"
          : "opens or closes a block in keepalived.conf and breaks the configuration around it";
    return `${JSON.stringify(ch)} ${effect}; use letters, digits and punctuation other than # ! { } "`;
  }
  const builtin = keepalivedBuiltins.exec(pass);
  if (builtin)
    return `${builtin[0]} is replaced by keepalived's built-in definition of ${builtin[1]}; put another character after it, or leave the $ out`;
  return undefined;
}

/** Why `key` is unfit for Heartbeat's authkeys, or undefined when Heartbeat reads it as written. */
export function heartbeatKeyProblem(key: string): string | undefined {
  if (key.length < 16 || !/^[!-~]+$/.test(key)) return "must be at least 16 printable characters without spaces";
  return undefined;
}
