import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { endMarked, errorOutputProblem, markerVariable, runBundle } from "./fuzz-support/cli-run";
import { describeFile, descriptionFile, writeDescription, type DescriptionFile } from "./fuzz-support/description-files";
import type { Plain } from "./fuzz-support/description-mutations";
import { checkProperty, shrinkingTimeoutMs } from "./fuzz-support/property-run";

// The shipped aws-ha-gen with fuzzed commands, options and description files. Whatever it is given
// it ends in time with 0, 1 or 2 (its --help), never prints a stack, answers bad input with one line
// (or the list of the description's problems) — and when it fails it has written nothing; when the
// description is not valid, no command that reads it succeeds.

const documentedExitCodes = [0, 1, 2];
const hint = "\nRun aws-ha-gen --help (or aws-ha-gen COMMAND --help) for the options.\n";
const timeoutMs = 12_000;
const commands = ["init", "validate", "keepalived", "heartbeat", "iam-policy", "pacemaker", "all"];
const readingCommands = new Set(commands.filter((c) => c !== "init"));
const marker = randomBytes(6).toString("hex");

const example = parseYaml(readFileSync(fileURLToPath(new URL("../../examples/cluster.yaml", import.meta.url)), "utf8")) as Plain;
/** The example's own paths are kept as they are: aws-ha-gen only writes them into the files it renders. */
const examplePaths =
  JSON.stringify(example)
    .match(/"\/[^"]*"/g)
    ?.map((p) => JSON.parse(p) as string) ?? [];

let root: string;
let cases = 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "aws-ha-gen-fuzz-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `{OUT}` and `{CLUSTER}` stand for the case's output path and description, filled in per case. */
const optionWords = [
  "--cluster",
  "{CLUSTER}",
  "--cluster={CLUSTER}",
  "--cluster=",
  "--node",
  "db-a",
  "--node=db-b",
  "--node=nobody",
  "--node=",
  "--out",
  "{OUT}",
  "--out={OUT}",
  "--out={OUT}/keepalived.conf",
  "--out=relative-out",
  "--out=",
  "--secrets={OUT}/secrets.json",
  "--node-cluster=/etc/aws-ha/cluster.yaml",
  "--node-cluster=relative.yaml",
  "--region=eu-west-1",
  "--region=EU",
  "--account=123456789012",
  "--account=12",
  "--force",
  "--force=maybe",
  "--help",
  "-h",
  "--version",
  "--",
  "-",
  "--unknown",
  "-x",
  "x".repeat(3_000),
];

const word = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...optionWords) },
  { weight: 2, arbitrary: fc.constantFrom(...commands, "valdate", "ALL", "") },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 10 }) },
);

interface GenCase {
  file: DescriptionFile;
  command: string;
  words: string[];
}

const genCase: fc.Arbitrary<GenCase> = fc
  .record({
    file: descriptionFile(example, []),
    command: fc.constantFrom(...commands),
    words: fc.oneof(
      fc.constantFrom<string[]>(
        ["--out={OUT}"],
        ["--node=db-a"],
        ["--node=db-a", "--out={OUT}/keepalived.conf"],
        ["--node", "db-b", "--out", "{OUT}"],
        [],
      ),
      fc.array(word, { maxLength: 5 }),
    ),
  })
  .map((c) =>
    Object.assign(c, {
      [fc.toStringMethod]: () => `{ command: ${c.command}, words: ${JSON.stringify(c.words)}, file: ${describeFile(c.file)} }`,
    }),
  );

/** Every file and directory below `dir`, with its size and mode: what "nothing was written" compares. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      out.push(`${relative(dir, path)} ${st.isDirectory() ? "dir" : st.size} ${(st.mode & 0o777).toString(8)}`);
      if (st.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return out.sort();
}

describe("aws-ha-gen, run on fuzzed commands and descriptions", () => {
  it(
    "ends in time with 0, 1 or 2, one clean error line or the problem list, and writes nothing when it fails",
    async () => {
      await checkProperty(
        "aws-ha-gen CLI",
        fc.asyncProperty(genCase, async (c) => {
          const dir = join(root, `case-${cases++}`);
          const { path, valid } = writeDescription(c.file, dir, { base: example, sharedDir: root, root: dir, kept: examplePaths });
          const out = join(dir, "out");
          const fill = (w: string) => w.replace(/\0/g, "").replace("{OUT}", out).replace("{CLUSTER}", path);
          const argv = [c.command, ...c.words.map(fill)];
          const before = tree(dir);
          // Without --cluster every command looks at AWS_HA_CLUSTER: the case's file, not this machine's.
          const run = await runBundle("aws-ha-gen", argv, {
            env: { PATH: process.env.PATH, HOME: dir, AWS_HA_CLUSTER: path, [markerVariable]: marker },
            cwd: dir,
            timeoutMs,
          });
          const leftovers = await endMarked(marker);
          const what = `exit ${run.code}, stderr ${JSON.stringify(run.stderr.slice(0, 600))}`;
          try {
            expect(run.timedOut, `still running after ${timeoutMs} ms; ${what}`).toBe(false);
            expect(leftovers, "processes it left behind").toEqual([]);
            expect(documentedExitCodes, what).toContain(run.code);
            if (run.code !== 0) {
              expect(errorOutputProblem(run.stderr, { prefix: /^aws-ha-gen: /, trailers: [hint] }), what).toBeUndefined();
              expect(tree(dir), `files after a failed run; ${what}`).toEqual(before);
            }
            const asksForHelp = argv.some((a) => a === "--help" || a === "-h" || a === "--version");
            if (!valid && readingCommands.has(c.command) && !asksForHelp)
              expect(run.code, `an invalid description was accepted; ${what}`).not.toBe(0);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        }),
        {
          runs: 20,
          examples: [
            [{ file: { kind: "special", what: "fifo" }, command: "validate", words: [] }],
            [{ file: { kind: "special", what: "huge" }, command: "validate", words: [] }],
            [{ file: { kind: "special", what: "directory" }, command: "all", words: ["--out={OUT}"] }],
          ],
        },
      );
    },
    shrinkingTimeoutMs,
  );
});
