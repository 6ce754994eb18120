import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseNotifyArgs, type ParsedNotify } from "../../src/cli/notify/args";
import { parseUpdateEipArgs, type UpdateEipParse } from "../../src/cli/updateeip/args";
import { ipv4 } from "../../src/cluster/schema";
import { AwsHaError } from "../../src/errors";
import { parseFifoLine } from "../../src/cli/notify/keepalived-words";
import type { Transition } from "../../src/transition/transition";
import {
  argumentList,
  directionOfState,
  instanceName,
  keepalivedStates,
  notifyVocabulary,
  priorityWord,
  updateEipVocabulary,
  word,
} from "./fuzz-support/argument-words";
import { breaksLine } from "./fuzz-support/output-shape";
import { checkProperty } from "./fuzz-support/property-run";

// The daemons call aws-ha with argument lists fixed by their own code, operators type the rest, and
// keepalived's FIFO hands over lines. Whatever arrives, the parsers answer with a command or one
// usage error of one line (no line break or control character in it: the CLIs print it to stderr
// and syslog), and a MASTER is never mistaken for something that changes nothing.

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function attempt<T>(parse: () => T): Outcome<T> {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** A refusal is an AwsHaError of kind usage whose text is one line. */
function expectUsageError(error: unknown): void {
  expect(error, `not an AwsHaError: ${String(error)}`).toBeInstanceOf(AwsHaError);
  expect((error as AwsHaError).kind).toBe("usage");
  expect(breaksLine((error as AwsHaError).describe())).toBeUndefined();
}

const documentedNotifyCommands = ["transition", "skip", "status", "restart", "fifo", "show", "check", "history", "help", "version"];

/** Options that are on or off, whatever their position among the words. */
const switchOption = fc.constantFrom(
  "--dry-run",
  "--json",
  "--verbose",
  "--log-format=json",
  "--cluster=/etc/aws-ha/other.yaml",
  "--only=vip",
);

describe("aws-ha-notify's arguments", () => {
  it("parse to a documented command or a one-line usage error, and never let a value option swallow an option", async () => {
    await checkProperty(
      "aws-ha-notify arguments",
      fc.property(argumentList(notifyVocabulary), (argv) => {
        const outcome = attempt(() => parseNotifyArgs(argv));
        if (!outcome.ok) return expectUsageError(outcome.error);
        const { command, options } = outcome.value;
        expect(documentedNotifyCommands).toContain(command.kind);
        if (command.kind === "transition") expect(["acquire", "release"]).toContain(command.transition.direction);
        if (command.kind === "fifo") expect(command.fifoPath.startsWith("/")).toBe(true);
        expect(["text", "json"]).toContain(options.logFormat);
        // `--cluster --dry-run master` names no file: the next option is not a path.
        if (options.cluster !== undefined) {
          expect(options.cluster, "--cluster's value").not.toBe("");
          expect(options.cluster.startsWith("--"), `--cluster took ${JSON.stringify(options.cluster)} as its value`).toBe(false);
        }
        for (const only of options.only) expect(only.startsWith("--"), `--only took ${JSON.stringify(only)} as its value`).toBe(false);
      }),
      { runs: 3_000 },
    );
  });

  it("act on keepalived's generic notify for any instance name and priority word", async () => {
    await checkProperty(
      "aws-ha-notify generic notify form",
      fc.property(
        fc.array(switchOption, { maxLength: 2 }),
        fc.constantFrom("INSTANCE", "GROUP"),
        // keepalived passes the name as one word; one that starts with "-" cannot be told from an option.
        instanceName.filter((n) => !n.startsWith("-")),
        fc.constantFrom(...keepalivedStates),
        priorityWord,
        (options, type, name, state, priority) => {
          const parsed = parseNotifyArgs([...options, type, name, state, priority]);
          expect(parsed.command).toMatchObject({
            kind: "transition",
            transition: { direction: directionOfState[state], cause: state, instance: name },
            lsb: false,
          });
        },
      ),
      {
        runs: 1_000,
        examples: [
          [[], "INSTANCE", 'say "hi"', "MASTER", "100"],
          [[], "INSTANCE", "VI_1", "MASTER", "abc"],
        ],
      },
    );
  });

  // keepalived's generic notify is the exception: its four words are always the last ones.
  it("mean the same whatever the position of an on/off option among the words of the other forms", async () => {
    const words = notifyVocabulary.filter((w) => !w.startsWith("-") && w !== "INSTANCE" && w !== "GROUP");
    await checkProperty(
      "aws-ha-notify option position",
      fc.property(argumentList(words), switchOption, fc.nat(), (words, option, at) => {
        const position = at % (words.length + 1);
        const before = attempt(() => parseNotifyArgs([option, ...words]));
        const after = attempt(() => parseNotifyArgs([...words.slice(0, position), option, ...words.slice(position)]));
        expect(after.ok).toBe(before.ok);
        if (before.ok && after.ok) expect(after.value).toEqual(before.value as ParsedNotify);
      }),
      { runs: 1_500 },
    );
  });
});

/** The option words aws-ha-updateeip documents (--help), each alone or with its value after `=`. */
function isDocumentedUpdateEipOption(arg: string): boolean {
  return /^(--release|--help|-h|--version|--cluster|--log-format)$/.test(arg) || /^--(cluster|log-format)=/.test(arg);
}

describe("aws-ha-updateeip's arguments", () => {
  it("parse to a documented action or a one-line usage error, and refuse every option it does not document", async () => {
    await checkProperty(
      "aws-ha-updateeip arguments",
      fc.property(argumentList(updateEipVocabulary), (argv) => {
        const outcome = attempt((): UpdateEipParse => parseUpdateEipArgs(argv));
        if (!outcome.ok) return expectUsageError(outcome.error);
        const parsed = outcome.value;
        // Options are read left to right until help or version ends the reading.
        const end = argv.findIndex((a) => ["-h", "--help", "--version"].includes(a));
        const read = end < 0 ? argv : argv.slice(0, end);
        const undocumented = read.filter(
          (a, i) => a.startsWith("--") && !isDocumentedUpdateEipOption(a) && !/^--(cluster|log-format)$/.test(read[i - 1] ?? ""),
        );
        expect(undocumented, "options it does not document, accepted").toEqual([]);
        if (parsed.kind !== "run") return;
        const { args } = parsed;
        expect(["start", "stop", "status", "restart", "try-restart"]).toContain(args.action);
        if (args.address && "allocationId" in args.address) expect(args.address.allocationId).toMatch(/^eipalloc-[0-9a-f]{8,17}$/);
        if (args.address && "publicIp" in args.address) expect(ipv4.safeParse(args.address.publicIp).success).toBe(true);
        if (args.privateIp !== undefined) expect(ipv4.safeParse(args.privateIp).success).toBe(true);
        if (args.cluster !== undefined)
          expect(args.cluster.startsWith("-"), `--cluster took ${JSON.stringify(args.cluster)} as its value`).toBe(false);
        expect(["text", "json"]).toContain(args.logFormat);
      }),
      { runs: 3_000 },
    );
  });
});

describe("keepalived's notify FIFO lines", () => {
  it("parse to a transition, to nothing, or to a one-line usage error", async () => {
    const line = fc.oneof(
      fc.string({ unit: "binary", maxLength: 60 }),
      fc
        .tuple(
          fc.constantFrom("INSTANCE", "GROUP", "instance", "VRRP", ""),
          fc.oneof(instanceName, fc.string({ unit: "binary", maxLength: 10 })),
          word([...keepalivedStates, "MASTER_RX_LOWER_PRI", "master", "bogus", ""]),
          fc.oneof(priorityWord, fc.constant("")),
          fc.constantFrom(" ", "  ", "\t", "\r", ""),
        )
        .map(([type, name, state, priority, gap]) => `${type}${gap} "${name}" ${state} ${priority}`),
    );
    await checkProperty(
      "notify FIFO lines",
      fc.property(line, (text) => {
        const outcome = attempt((): Transition | undefined => parseFifoLine(text));
        if (!outcome.ok) return expectUsageError(outcome.error);
        if (outcome.value) expect(["acquire", "release"]).toContain(outcome.value.direction);
      }),
      { runs: 3_000 },
    );
  });

  it("act on every state line keepalived writes, whatever the instance's name", async () => {
    await checkProperty(
      "notify FIFO state lines",
      fc.property(
        fc.constantFrom("INSTANCE", "GROUP"),
        instanceName,
        fc.constantFrom(...keepalivedStates),
        fc.integer({ min: 0, max: 255 }),
        (type, name, state, priority) => {
          // keepalived: fprintf(fifo, "%s \"%s\" %s %d\n", type, name, state, priority)
          expect(parseFifoLine(`${type} "${name}" ${state} ${priority}`)).toMatchObject({
            direction: directionOfState[state],
            cause: state,
            instance: name,
          });
        },
      ),
      { runs: 1_000, examples: [["INSTANCE", 'say "hi"', "MASTER", 100]] },
    );
  });
});
