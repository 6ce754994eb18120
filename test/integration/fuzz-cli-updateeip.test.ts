import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseUpdateEipArgs, type UpdateEipParse } from "../../src/cli/updateeip/args";
import { parseClusterDescription } from "../../src/cluster/parse";
import { argumentList, updateEipVocabulary } from "./fuzz-support/argument-words";
import { endMarked, errorOutputProblem, logOutputProblem, markerVariable, runBundle } from "./fuzz-support/cli-run";
import { describeFile, descriptionFile, writeDescription, type DescriptionFile } from "./fuzz-support/description-files";
import type { Plain } from "./fuzz-support/description-mutations";
import { checkProperty, shrinkingTimeoutMs } from "./fuzz-support/property-run";
import { isMutatingCall } from "../support/ec2-standin/actions";
import { ids } from "./support/cluster-fixture";
import { heartbeatEipWorld } from "./support/heartbeat-eip-world";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";

// The shipped aws-ha-updateeip, run as Heartbeat runs it (`aws-ha-updateeip [ARG…] ACTION`), against
// the EC2 and IMDS stand-ins, with fuzzed haresources arguments and fuzzed description files.
// Whatever it is given it ends in time with an exit code from its --help, prints one line (or the
// problem list) when the input is wrong, and then EC2 has seen no call that changes anything.

const documentedExitCodes = [0, 1, 2, 3, 4, 5, 6];
const timeoutMs = 12_000;
const marker = randomBytes(6).toString("hex");

const webEip = { allocationId: ids.allocationId, publicIp: ids.publicIp } as const;
const otherEip = { allocationId: ids.otherAllocationId, publicIp: ids.otherPublicIp } as const;

let world: TwoNodeWorld;
let base: Plain;
let cases = 0;

beforeAll(async () => {
  world = await startTwoNodeWorld(heartbeatEipWorld);
  base = parseYaml(readFileSync(world.a.clusterFile, "utf8")) as Plain;
});
afterAll(async () => {
  await endMarked(marker);
  await world?.close();
});

/** The stand-in's own addresses, so that a fuzzed action can really move one. */
const vocabulary = [...updateEipVocabulary, webEip.allocationId, webEip.publicIp, otherEip.allocationId, otherEip.publicIp];

const documentedForm: fc.Arbitrary<string[]> = fc.oneof(
  fc.constantFrom<string[]>(["start"], ["stop"], ["status"], ["restart"], ["try-restart"], ["monitor"], ["reload"], ["--release", "stop"]),
  fc
    .tuple(fc.constantFrom(webEip.allocationId, webEip.publicIp, otherEip.allocationId), fc.constantFrom("start", "stop", "status"))
    .map((w) => [...w]),
);

interface UpdateEipCase {
  file: DescriptionFile;
  naming: "flag" | "flag=" | "env";
  words: string[];
}

function updateEipCase(): fc.Arbitrary<UpdateEipCase> {
  return fc
    .record({
      file: descriptionFile(base, [webEip.allocationId, otherEip.allocationId, webEip.publicIp]),
      naming: fc.constantFrom("flag" as const, "flag=" as const, "env" as const),
      words: fc.oneof(documentedForm, argumentList(vocabulary, 4)),
    })
    .map((c) =>
      Object.assign(c, {
        [fc.toStringMethod]: () => `{ naming: ${c.naming}, words: ${JSON.stringify(c.words)}, file: ${describeFile(c.file)} }`,
      }),
    );
}

/** Whether the description asks for an Elastic IP to be given up on stop (`release: true`). */
function releasesOnStop(path: string, valid: boolean): boolean {
  if (!valid) return false;
  const d = parseClusterDescription(readFileSync(path, "utf8"), path);
  return d.resources.some((r) => r.kind === "eip" && r.release);
}

describe("aws-ha-updateeip, run on fuzzed arguments and descriptions against the stand-ins", () => {
  it(
    "ends in time with a documented exit code, one clean error line for bad input, and no change in EC2 for it",
    async () => {
      await checkProperty(
        "aws-ha-updateeip CLI",
        fc.asyncProperty(updateEipCase(), async (c) => {
          const dir = join(world.dir, "fuzz-cases", `updateeip-${cases++}`);
          const { path, valid } = writeDescription(c.file, dir, { base, sharedDir: world.dir, root: world.dir, kept: [] });
          // An argument cannot carry a NUL byte through exec(2); the vocabulary's paths are moved into the case's directory.
          const words = c.words.map((w) => w.replace(/\0/g, "").replace(/\/etc\/aws-ha\/[^,]*/, join(dir, "other.yaml")));
          const argv = c.naming === "flag" ? ["--cluster", path, ...words] : c.naming === "flag=" ? [`--cluster=${path}`, ...words] : words;
          const env = world.a.envWith({ [markerVariable]: marker, ...(c.naming === "env" ? { AWS_HA_CLUSTER: path } : {}) });

          let parsed: UpdateEipParse | undefined;
          try {
            parsed = parseUpdateEipArgs(argv);
          } catch {
            parsed = undefined;
          }
          const since = Date.now();
          const before = JSON.stringify(world.ec2.world.snapshot());
          const run = await runBundle("aws-ha-updateeip", argv, { env, cwd: dir, timeoutMs });
          const leftovers = await endMarked(marker);
          const changes = world.ec2.calls.all(since).filter(isMutatingCall);
          const what = `exit ${run.code}, stdout ${JSON.stringify(run.stdout.slice(0, 200))}, stderr ${JSON.stringify(run.stderr.slice(0, 600))}`;
          const unchanged = () => {
            expect(
              changes.map((call) => call.action),
              `EC2 calls that changed something; ${what}`,
            ).toEqual([]);
            expect(JSON.stringify(world.ec2.world.snapshot()), "the stand-in's world").toBe(before);
          };
          try {
            expect(run.timedOut, `still running after ${timeoutMs} ms; ${what}`).toBe(false);
            expect(leftovers, "processes it left behind").toEqual([]);
            expect(documentedExitCodes, what).toContain(run.code);
            if (parsed === undefined) {
              expect(run.code, what).toBe(2);
              expect(errorOutputProblem(run.stderr, { prefix: /^ERROR / }), what).toBeUndefined();
              return unchanged();
            }
            if (parsed.kind === "help" || parsed.kind === "version") return void expect(run.code, what).toBe(0);
            if (parsed.kind === "unimplemented") {
              expect(run.code, what).toBe(3);
              expect(errorOutputProblem(run.stderr, { prefix: /^aws-ha-updateeip: / }), what).toBeUndefined();
              return unchanged();
            }
            const { args } = parsed;
            // With an address on the command line and no file at the description's path, none is needed.
            const descriptionPath = args.cluster ?? env.AWS_HA_CLUSTER ?? "/etc/aws-ha/cluster.yaml";
            const needsDescription = args.address === undefined || existsSync(descriptionPath);
            if (needsDescription && descriptionPath === path && !valid) {
              expect(run.code, what).toBe(args.action === "status" ? 4 : 6);
              if (args.action === "status") expect(run.stdout, what).toMatch(/status unknown\n$/);
              expect(errorOutputProblem(run.stderr, { prefix: /^ERROR / }), what).toBeUndefined();
              return unchanged();
            }
            expect(logOutputProblem(run.stderr, 30), what).toBeUndefined();
            if (run.code === 2 || run.code === 6 || args.action === "status") unchanged();
            // Heartbeat's stop changes nothing in EC2 unless told to release (the next owner takes the address over).
            if (args.action === "stop" && !args.release && !releasesOnStop(path, valid)) unchanged();
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        }),
        {
          runs: 16,
          examples: [
            [{ file: { kind: "special", what: "fifo" }, naming: "flag", words: ["start"] }],
            [{ file: { kind: "special", what: "huge" }, naming: "env", words: ["status"] }],
          ],
        },
      );
    },
    shrinkingTimeoutMs,
  );
});
