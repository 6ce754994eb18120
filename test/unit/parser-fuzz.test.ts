import { describe, expect, it } from "vitest";
import { parseNotifyArgs } from "../../src/cli/notify/args";
import { parseUpdateEipArgs } from "../../src/cli/updateeip/args";
import { AwsHaError } from "../../src/errors";
import { parseFifoLine } from "../../src/cli/notify/keepalived-words";
import type { Transition } from "../../src/transition/transition";

// Whatever a daemon, a typo in haresources or a hostile caller puts on the command line or into the
// FIFO, the parsers answer with a command or with a typed error the CLI turns into exit 2 — never
// with a TypeError and a stack trace, and never with a command that is not one of ours.

/** A small seeded generator, so a failure names the seed that reproduces it. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

// Words the parsers give meaning to, words JavaScript gives meaning to, and awkward characters.
const known = [
  ...["master", "backup", "fault", "stop", "start", "status", "monitor", "restart", "force-reload", "reload", "try-restart"],
  ...["condrestart", "deleted", "fifo", "show", "check", "INSTANCE", "GROUP", "MASTER", "BACKUP", "MASTER_RX_LOWER_PRI"],
  ...["--cluster", "--cluster=", "--cluster=/etc/aws-ha/cluster.yaml", "--only", "--only=vip,", "--log-format", "--log-format=json"],
  ...["--dry-run", "--json", "--verbose", "--help", "-h", "--version", "--release", "--", "-", "=", "::", "::--cluster=/x"],
  ...["/run/aws-ha/web.fifo", "eipalloc-0123456789abcdef0", "203.0.113.10", "10.0.1.100", "150", "-1", "abc", '"VI_1"', '"'],
  ...["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "prototype", "then"],
  ...["", " ", "\n", "\0", "\u2028", "é", "\ud800", "😀"],
];
const alphabet = ['"', "'", " ", "\t", "\n", "\0", "-", "=", ":", "/", ".", "a", "Z", "0", "9", "\\", "é", "\ud83d", "\ude00"];

function randomWord(next: () => number): string {
  const roll = next();
  if (roll < 0.6) return known[Math.floor(next() * known.length)]!;
  if (roll < 0.97) return Array.from({ length: Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]!).join("");
  return "x".repeat(Math.floor(next() * 200_000));
}

const randomWords = (next: () => number) => Array.from({ length: Math.floor(next() * 7) }, () => randomWord(next));

const iterations = 3_000;

/** Runs `parse` on `iterations` random inputs; a throw that is not an AwsHaError fails, naming the input. */
function fuzz<T>(seed: number, input: (next: () => number) => T, parse: (value: T) => void): void {
  const next = generator(seed);
  for (let i = 0; i < iterations; i++) {
    const value = input(next);
    try {
      parse(value);
    } catch (e) {
      if (!(e instanceof AwsHaError)) throw new Error(`seed ${seed}, input ${JSON.stringify(value).slice(0, 300)}: ${String(e)}`);
      expect(e.kind, JSON.stringify(value).slice(0, 300)).toBe("usage");
      expect(e.describe()).not.toMatch(/[\n\r\0]/);
      expect(e.describe().length).toBeLessThan(1_000);
    }
  }
}

function expectTransition(t: Transition): void {
  expect(["acquire", "release"]).toContain(t.direction);
  expect(typeof t.cause).toBe("string");
}

describe("random words never make a parser throw anything but a usage error", () => {
  it.each([1, 2, 3])("aws-ha-notify's arguments (seed %i)", (seed) => {
    fuzz(seed, randomWords, (argv) => {
      const { command } = parseNotifyArgs(argv);
      expect(["transition", "skip", "status", "restart", "fifo", "show", "check", "help", "version"]).toContain(command.kind);
      if (command.kind === "transition") expectTransition(command.transition);
    });
  });

  it.each([1, 2, 3])("aws-ha-updateeip's arguments (seed %i)", (seed) => {
    fuzz(seed, randomWords, (argv) => {
      const parsed = parseUpdateEipArgs(argv);
      if (parsed.kind === "run") expect(["start", "stop", "status", "restart", "try-restart"]).toContain(parsed.args.action);
    });
  });

  it.each([1, 2, 3])("a FIFO line (seed %i)", (seed) => {
    fuzz(
      seed,
      (next) =>
        next() < 0.5
          ? `${next() < 0.5 ? "INSTANCE" : "GROUP"} "${randomWord(next)}" ${randomWords(next).join(" ")}`
          : randomWords(next).join(" "),
      (line) => {
        const t = parseFifoLine(line);
        if (t) expectTransition(t);
      },
    );
  });
});
