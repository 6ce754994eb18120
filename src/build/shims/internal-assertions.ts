// yargs checks a few of its own invariants with node:assert, whose loading (message formatting,
// colour detection) is a tenth of `aws-ha-gen --help`. These two are all it uses.

export function strictEqual(actual: unknown, expected: unknown, message?: string): void {
  if (actual !== expected) throw new Error(message ?? `expected ${String(expected)}, got ${String(actual)}`);
}

export function notStrictEqual(actual: unknown, unexpected: unknown, message?: string): void {
  if (actual === unexpected) throw new Error(message ?? `did not expect ${String(actual)}`);
}
