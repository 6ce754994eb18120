import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdirSync, openSync, readdirSync, readlinkSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFifoLine } from "../../src/cli/notify/keepalived-words";
import { instanceName, keepalivedStates } from "./fuzz-support/argument-words";
import { endMarked, logOutputProblem, markerVariable, runBundle } from "./fuzz-support/cli-run";
import { checkProperty, shrinkingTimeoutMs } from "./fuzz-support/property-run";
import { cloudAndLocal } from "./support/cluster-fixture";
import { markedProcesses } from "./support/notify-cli";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";
import { sleep } from "./support/wait";

// `aws-ha-notify fifo` reading what keepalived's notify FIFO delivers — here fuzzed: garbage lines,
// lines cut across writes, state lines with odd names, a long line with no end. The scenario plays
// keepalived: it holds the FIFO open read-write, writes, and closes it, which ends the reader.
// Whatever the lines, the reader ends cleanly with clean log lines, and lines that are no state
// change leave EC2 untouched.

const timeoutMs = 12_000;

let world: TwoNodeWorld;
let root: string;
let cases = 0;

beforeAll(async () => {
  world = await startTwoNodeWorld({ resources: cloudAndLocal });
  root = dirname(world.a.dir);
});
afterAll(async () => {
  await endMarked(String(world?.a.env[markerVariable]));
  await world?.close();
});

const junkLine = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }).map((s) => s.replace(/\n/g, " ")),
  fc.constantFrom(
    "",
    "INSTANCE",
    'INSTANCE "VI_1"',
    'INSTANCE "VI_1" BOGUS 100',
    'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100',
    'VRRP "VI_1" MASTER 100',
    'INSTANCE "VI_1" constructor 100',
    'INSTANCE "VI_1" __proto__ 100',
    'INSTANCE "VI_1\u001b[2J" BOGUS 1',
    "\u0000\u0001\u0002",
    "x".repeat(100_000),
  ),
);
const stateLine = fc
  .tuple(fc.constantFrom("INSTANCE", "GROUP"), instanceName, fc.constantFrom(...keepalivedStates), fc.integer({ min: 0, max: 255 }))
  .map(([type, name, state, priority]) => `${type} "${name}" ${state} ${priority}`);

/**
 * Waits (bounded) until a process of the scenario holds `fifo` open. keepalived starts the reader
 * while it holds the FIFO itself, so the reader always finds a writer there; a reader that opens the
 * FIFO after every writer has gone waits for the next one, as `cat` would.
 */
async function openedByReader(fifo: string, marker: string): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    for (const pid of await markedProcesses(marker)) {
      let fds: string[] = [];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          if (readlinkSync(`/proc/${pid}/fd/${fd}`) === fifo) return true;
        } catch {
          // closed meanwhile
        }
      }
    }
    await sleep(25);
  }
  return false;
}

interface FifoCase {
  lines: string[];
  /** Where the text is cut into separate writes (fractions of its length). */
  cuts: number[];
  /** Leave the last line without its newline. */
  unterminated: boolean;
}

const fifoCase: fc.Arbitrary<FifoCase> = fc.record({
  lines: fc.array(fc.oneof({ weight: 4, arbitrary: junkLine }, { weight: 1, arbitrary: stateLine }), { minLength: 1, maxLength: 6 }),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
  unterminated: fc.boolean(),
});

describe("aws-ha-notify fifo, fed fuzzed notify lines", () => {
  it(
    "ends when keepalived closes the FIFO, logs clean lines, and changes nothing in EC2 for lines that are no state change",
    async () => {
      await checkProperty(
        "aws-ha-notify fifo lines",
        fc.asyncProperty(fifoCase, async (c) => {
          const dir = join(root, "fuzz-cases", `fifo-${cases++}`);
          mkdirSync(dir, { recursive: true });
          const fifo = join(dir, "notify.fifo");
          execFileSync("mkfifo", ["-m", "0600", fifo]);
          const fd = openSync(fifo, constants.O_RDWR);
          let open = true;
          const text = c.lines.join("\n") + (c.unterminated ? "" : "\n");
          const events = c.lines.filter((line) => {
            try {
              return parseFifoLine(line) !== undefined;
            } catch {
              return false;
            }
          });
          const since = Date.now();
          const before = JSON.stringify(world.snapshot());
          try {
            const reading = runBundle("aws-ha-notify", ["--cluster", world.a.clusterFile, "fifo", fifo], {
              env: world.a.env,
              cwd: dir,
              timeoutMs,
            });
            await openedByReader(fifo, String(world.a.env[markerVariable]));
            const cuts = [...new Set(c.cuts.map((f) => Math.floor(f * text.length)))].sort((x, y) => x - y);
            let from = 0;
            for (const to of [...cuts, text.length]) {
              if (to > from) writeSync(fd, text.slice(from, to));
              from = Math.max(from, to);
              await sleep(5);
            }
            closeSync(fd);
            open = false;
            const run = await reading;
            const leftovers = await endMarked(String(world.a.env[markerVariable]));
            const what = `exit ${run.code}, stderr ${JSON.stringify(run.stderr.slice(0, 600))}`;
            expect(run.timedOut, `still reading ${timeoutMs} ms after keepalived closed the FIFO; ${what}`).toBe(false);
            expect(run.code, what).toBe(0);
            expect(logOutputProblem(run.stderr, 100), what).toBeUndefined();
            if (events.length === 0) {
              expect(leftovers, "processes it left behind").toEqual([]);
              expect(world.mutatingCalls(since), `EC2 calls that changed something; ${what}`).toEqual([]);
              expect(JSON.stringify(world.snapshot()), "the stand-in's world").toBe(before);
            }
          } finally {
            if (open) closeSync(fd);
            rmSync(dir, { recursive: true, force: true });
          }
        }),
        { runs: 6 },
      );
    },
    shrinkingTimeoutMs,
  );
});
