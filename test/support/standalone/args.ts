// The launchers' argv: `--name value` pairs only, every one required unless it has a default.

export function parseArgs(argv: readonly string[], wanted: Record<string, string | undefined>, usage: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]!;
    const value = argv[i + 1];
    if (!name.startsWith("--") || !Object.hasOwn(wanted, name.slice(2)) || value === undefined) fail(`unexpected argument ${name}`, usage);
    values[name.slice(2)] = value;
  }
  for (const [name, fallback] of Object.entries(wanted)) {
    if (values[name] === undefined) {
      if (fallback === undefined) fail(`missing --${name}`, usage);
      values[name] = fallback;
    }
  }
  return values;
}

export function port(text: string, usage: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`--port ${text} is not a port number`, usage);
  return n;
}

function fail(problem: string, usage: string): never {
  process.stderr.write(`${problem}\nusage: ${usage}\n`);
  process.exit(2);
}

/** Closes the server on SIGTERM/SIGINT, then exits 0. */
export function closeOnSignal(close: () => Promise<void>): void {
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
