import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { genParser, type GenArgs } from "../../src/cli/gen/commands";
import type { GenCommandName } from "../../src/cli/gen/help";
import { AwsHaError } from "../../src/errors";

// What aws-ha-gen answers to arguments an operator (or a script that builds them) got wrong. The
// words come from outside: a newline or an escape sequence in one must not forge a second line of
// output or garble the terminal, and an option given twice must not turn into a list nobody asked for.

/** Parses `argv` and returns the error it ends with, or the command it would have run. */
async function parse(argv: string[]): Promise<{ error?: AwsHaError; ran?: { command: GenCommandName; args: GenArgs } }> {
  let ran: { command: GenCommandName; args: GenArgs } | undefined;
  try {
    await genParser(argv, async (command, args) => void (ran = { command, args })).parseAsync();
  } catch (e) {
    if (!(e instanceof AwsHaError)) throw e;
    return { error: e };
  }
  return { ran };
}

describe("aws-ha-gen's usage errors", () => {
  it("shows an unknown argument with a newline in it on one line, the newline escaped", async () => {
    const { error } = await parse(["init", "x\ny"]);
    expect(error?.kind).toBe("usage");
    expect(error?.describe()).toBe("Unknown argument: x\\ny");
  });

  it("escapes a terminal escape sequence in an unknown option", async () => {
    const { error } = await parse(["validate", "--clu\u001b[2Jster=x"]);
    expect(error?.kind).toBe("usage");
    expect(error?.describe()).not.toContain("\u001b");
    expect(error?.describe()).toContain("\\x1b[2J");
  });

  it("names a mistyped command quoted, with a Unicode line separator in it escaped, and yargs' suggestion", async () => {
    const { error } = await parse(["valdate\u2028"]);
    expect(error?.kind).toBe("usage");
    expect(error?.describe()).toBe('unknown command "valdate\\u2028"; did you mean validate?');
  });
});

describe("an option that takes one value, given twice", () => {
  it("is a usage error naming the option, and runs nothing", async () => {
    const { error, ran } = await parse(["validate", "--cluster", "a.yaml", "--cluster", "b.yaml"]);
    expect(ran).toBeUndefined();
    expect(error?.kind).toBe("usage");
    expect(error?.describe()).toBe('--cluster was given 2 times ("a.yaml", "b.yaml"); give it once');
  });

  it("is refused in the --name=value form as well, for every command's options", async () => {
    const { error, ran } = await parse(["keepalived", "--node=db-a", "--node=db-b", "--cluster=c.yaml"]);
    expect(ran).toBeUndefined();
    expect(error?.describe()).toMatch(/^--node was given 2 times/);
  });

  it("leaves a flag given twice alone: --force --force still means --force", async () => {
    const { error, ran } = await parse(["init", "--force", "--force", "--out", "x.yaml"]);
    expect(error).toBeUndefined();
    expect(ran?.args).toMatchObject({ force: true, out: "x.yaml" });
  });

  it("runs the command when each option is given once", async () => {
    const { ran } = await parse(["validate", "--cluster", "a.yaml"]);
    expect(ran).toMatchObject({ command: "validate", args: { cluster: "a.yaml" } });
  });
});

// The shipped CLI, as an operator runs it (built by `npx tsup` / `npm run build`).
const gen = fileURLToPath(new URL("../../bin/aws-ha-gen", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "aws-ha-gen-args-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runGen(args: string[]) {
  const r = spawnSync(process.execPath, [gen, ...args], {
    cwd: scratch,
    encoding: "utf8",
    timeout: 20_000,
    env: { PATH: process.env.PATH, HOME: scratch, AWS_HA_CLUSTER: join(scratch, "absent.yaml") },
  });
  return { code: r.status, stderr: r.stderr };
}

const hint = "Run aws-ha-gen --help (or aws-ha-gen COMMAND --help) for the options.";

if (!existsSync(gen)) console.warn("gen-arguments: the CLI checks are skipped, bin/aws-ha-gen is not built (npm run build)");
describe.skipIf(!existsSync(gen))("aws-ha-gen's stderr on bad arguments (bin/ built)", () => {
  it("prints yargs' complaint about `init $'x\\ny'` as one escaped line, then the hint, and exits 2", () => {
    const r = runGen(["init", "x\ny"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`aws-ha-gen: Unknown argument: x\\ny\n${hint}\n`);
  });

  it("prints a description path with control characters escaped on the one line that names it", () => {
    const r = runGen(["validate", "--cluster", "a\nb\u001b[31m"]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toMatch(/^aws-ha-gen: cannot read the cluster description a\\nb\\x1b\[31m: ENOENT/);
    expect(r.stderr).not.toContain("\u001b");
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("refuses `validate --cluster a --cluster b` with exit 2, naming --cluster", () => {
    const r = runGen(["validate", "--cluster", "a", "--cluster", "b"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`aws-ha-gen: --cluster was given 2 times ("a", "b"); give it once\n${hint}\n`);
  });
});
