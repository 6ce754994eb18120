import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifyUsage } from "../../src/cli/notify/help";
import { parseNotifyArgs, type ParsedNotify } from "../../src/cli/notify/args";
import { argumentList, instanceName, keepalivedStates, notifyVocabulary, priorityWord } from "./fuzz-support/argument-words";
import { endMarked, errorOutputProblem, logOutputProblem, markerVariable, runBundle } from "./fuzz-support/cli-run";
import { describeFile, descriptionFile, writeDescription, type DescriptionFile } from "./fuzz-support/description-files";
import type { Plain } from "./fuzz-support/description-mutations";
import { checkProperty, shrinkingTimeoutMs } from "./fuzz-support/property-run";
import { cloudAndLocal } from "./support/cluster-fixture";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";

// The shipped aws-ha-notify, run as keepalived or Heartbeat runs it, against the EC2 and IMDS
// stand-ins, with fuzzed argument lists and fuzzed description files. Whatever it is given it ends
// in time with an exit code from its --help, never prints a stack, prints one line (or the problem
// list) when the input is wrong — and then EC2 has seen no call that changes anything.

const documentedExitCodes = [0, 1, 2, 3, 4, 5, 6];
const usageTrailer = `\n\n${notifyUsage}\n\nRun aws-ha-notify --help for options, exit codes and examples.\n`;
const timeoutMs = 12_000;

let world: TwoNodeWorld;
let root: string;
let base: Plain;
let cases = 0;

beforeAll(async () => {
  world = await startTwoNodeWorld({ resources: cloudAndLocal });
  root = dirname(world.a.dir);
  base = JSON.parse(readFileSync(world.a.clusterFile, "utf8")) as Plain;
});
afterAll(async () => {
  await endMarked(String(world?.a.env[markerVariable]));
  await world?.close();
});

/** The documented forms, so that valid runs are common; the random lists find the rest. */
const documentedForm: fc.Arbitrary<string[]> = fc.oneof(
  fc.constantFrom<string[]>(
    ["master"],
    ["backup"],
    ["fault"],
    ["stop"],
    ["start"],
    ["status"],
    ["restart"],
    ["show"],
    ["show", "--json"],
    ["check"],
  ),
  fc.constantFrom<string[]>(
    ["master", "--dry-run"],
    ["--only=vip", "master"],
    ["--only=nothing-like-it", "master"],
    ["--log-format=json", "start"],
  ),
  fc.tuple(fc.constantFrom("INSTANCE", "GROUP"), instanceName, fc.constantFrom(...keepalivedStates), priorityWord).map((w) => [...w]),
);

interface NotifyCase {
  file: DescriptionFile;
  /** How the description is named: --cluster FILE, --cluster=FILE, or AWS_HA_CLUSTER. */
  naming: "flag" | "flag=" | "env";
  words: string[];
}

function notifyCase(): fc.Arbitrary<NotifyCase> {
  // The vocabulary's own paths must not name anything real: they are moved into the case's directory below.
  return fc
    .record({
      file: descriptionFile(base, []),
      naming: fc.constantFrom("flag" as const, "flag=" as const, "env" as const),
      words: fc.oneof(documentedForm, argumentList(notifyVocabulary, 5)),
    })
    .map((c) =>
      Object.assign(c, {
        [fc.toStringMethod]: () => `{ naming: ${c.naming}, words: ${JSON.stringify(c.words)}, file: ${describeFile(c.file)} }`,
      }),
    );
}

/** The scenario's own description with its run directory (the lock's) somewhere a directory cannot be made. */
function withRunDir(runDir: string): DescriptionFile {
  const value = JSON.parse(JSON.stringify(base)) as { paths: Record<string, string> };
  value.paths.runDir = runDir;
  return { kind: "mutated", case: { format: "json", value, mutations: [], textMutations: [], text: JSON.stringify(value, null, 2) } };
}

/** Read-only by their documentation: these never change anything in EC2. */
function readOnly(parsed: ParsedNotify): boolean {
  return ["status", "show", "check", "help", "version", "skip"].includes(parsed.command.kind) || parsed.options.dryRun;
}

describe("aws-ha-notify, run on fuzzed arguments and descriptions against the stand-ins", () => {
  it(
    "ends in time with a documented exit code, one clean error line for bad input, and no change in EC2 for it",
    async () => {
      await checkProperty(
        "aws-ha-notify CLI",
        fc.asyncProperty(notifyCase(), async (c) => {
          const dir = join(root, "fuzz-cases", `notify-${cases++}`);
          const { path, valid } = writeDescription(c.file, dir, { base, sharedDir: root, root, kept: [process.execPath] });
          // An argument cannot carry a NUL byte through exec(2); the vocabulary's paths are moved into the case's directory.
          const words = c.words.map((w) => w.replace(/\0/g, "").replace(/\/etc\/aws-ha\/[^,]*/, join(dir, "other.yaml")));
          const argv = c.naming === "flag" ? ["--cluster", path, ...words] : c.naming === "flag=" ? [`--cluster=${path}`, ...words] : words;
          const env = { ...world.a.env, ...(c.naming === "env" ? { AWS_HA_CLUSTER: path } : {}) };

          let parsed: ParsedNotify | undefined;
          let usage = false;
          try {
            parsed = parseNotifyArgs(argv);
          } catch {
            usage = true;
          }
          const ocfMetaData = argv.length === 1 && argv[0] === "meta-data";
          const since = Date.now();
          const before = JSON.stringify(world.snapshot());
          const run = await runBundle("aws-ha-notify", argv, { env, cwd: dir, timeoutMs });
          const leftovers = await endMarked(String(world.a.env[markerVariable]));
          const changes = world.mutatingCalls(since);
          const what = `exit ${run.code}, stderr ${JSON.stringify(run.stderr.slice(0, 600))}`;
          try {
            expect(run.timedOut, `still running after ${timeoutMs} ms; ${what}`).toBe(false);
            expect(leftovers, "processes it left behind").toEqual([]);
            expect(documentedExitCodes, what).toContain(run.code);

            if (ocfMetaData) return void expect(run.code, what).toBe(0);
            if (usage) {
              expect(run.code, what).toBe(2);
              expect(errorOutputProblem(run.stderr, { prefix: /^aws-ha-notify: /, trailers: [usageTrailer] }), what).toBeUndefined();
              expect(changes, "EC2 calls that changed something").toEqual([]);
              return;
            }
            const command = parsed!.command.kind;
            if (command === "help" || command === "version") return void expect(run.code, what).toBe(0);
            if (!valid) {
              expect(run.code, what).toBe(command === "status" ? 4 : 6);
              expect(errorOutputProblem(run.stderr, { prefix: /^ERROR / }), what).toBeUndefined();
              expect(changes, "EC2 calls that changed something").toEqual([]);
              expect(JSON.stringify(world.snapshot()), "the stand-in's world").toBe(before);
              return;
            }
            expect(logOutputProblem(run.stderr, 60), what).toBeUndefined();
            if (run.code === 2 || run.code === 6) expect(changes, `EC2 calls that changed something; ${what}`).toEqual([]);
            // `check` proves the VIP's permission with an unassignment EC2 refuses (there is no DryRun for
            // it): a refused call changes nothing, and the world must say so.
            if (readOnly(parsed!)) {
              expect(
                changes.filter((call) => call.error === undefined),
                `EC2 calls that changed something; ${what}`,
              ).toEqual([]);
              expect(JSON.stringify(world.snapshot()), "the stand-in's world").toBe(before);
            }
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        }),
        {
          runs: 24,
          examples: [
            [{ file: withRunDir("/proc/self/aws-ha"), naming: "flag", words: ["master"] }],
            [{ file: withRunDir("/dev/null/aws-ha"), naming: "flag", words: ["stop"] }],
            [{ file: { kind: "special", what: "fifo" }, naming: "flag", words: ["master"] }],
            [{ file: { kind: "special", what: "huge" }, naming: "env", words: ["master"] }],
            [{ file: { kind: "special", what: "directory" }, naming: "flag=", words: ["status"] }],
          ],
        },
      );
    },
    shrinkingTimeoutMs,
  );
});
