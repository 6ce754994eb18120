import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parse as parseYaml } from "yaml";
import { parseClusterDescription } from "../../../src/cluster/parse";
import { abbreviated, describedCase, type DescriptionCase, type Plain } from "./description-mutations";

// What a CLI may find at --cluster: a mutation of a real description, or something that is not a
// description file at all (missing, a directory, a FIFO nobody writes to, /dev/null, 32 MiB of
// comments). A CLI runs commands as root from the description (hooks, init scripts, mkdir of its
// run directory), so before a mutated one is written every path in it is moved under the case's
// own directory and every systemd unit is renamed to one no machine has: a fuzzed description can
// make the CLI fail in any way, but it cannot make it touch this machine.

export type SpecialFile = "missing" | "directory" | "fifo" | "dev-null" | "empty" | "huge";

export type DescriptionFile = { kind: "mutated"; case: DescriptionCase } | { kind: "special"; what: SpecialFile };

/** Directories a CLI may be given that stay harmless when it tries to create below them (it cannot). */
const harmlessDirectories = ["/proc/", "/dev/null/"];
const directoryKeys = new Set(["runDir", "byIdDir", "haDir"]);
const absentUnit = "aws-ha-fuzz-absent.service";

/**
 * Moves every absolute path outside `root` under it (but for `kept` and the harmless directories),
 * and renames every unit to one that does not exist.
 */
export function confined(value: unknown, root: string, kept: readonly string[] = [], key = ""): Plain {
  if (Array.isArray(value)) return value.map((v) => confined(v, root, kept, key));
  if (value !== null && typeof value === "object") {
    const out: Record<string, Plain> = {};
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k, { value: confined(v, root, kept, k), enumerable: true, writable: true, configurable: true });
    return out;
  }
  if (typeof value !== "string") return value as Plain;
  if (key === "unit") return absentUnit;
  const harmless = directoryKeys.has(key) && harmlessDirectories.some((p) => value.startsWith(p));
  if (value.startsWith("/") && !value.startsWith(`${root}/`) && !kept.includes(value) && !harmless)
    return join(root, "elsewhere", value.replace(/\0/g, ""));
  return value;
}

/**
 * A description that lost `paths.historyDir` (a valid mutation) would record its transitions in the
 * machine's /var/lib/aws-ha: the journal is kept inside the run's tree like every other path.
 */
function withHistoryInside(value: Plain, root: string): Plain {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const paths = (value as Record<string, Plain>).paths;
  if (paths !== undefined && (paths === null || typeof paths !== "object" || Array.isArray(paths))) return value;
  if (paths !== undefined && Object.hasOwn(paths, "historyDir")) return value;
  return { ...value, paths: { ...(paths ?? {}), historyDir: join(root, "elsewhere", "var/lib/aws-ha") } };
}

/** What the CLI would read from `text`, when it reads as a tree (an alias cycle does not, and is no description either). */
function readAs(format: "yaml" | "json", text: string): unknown {
  try {
    const value: unknown = format === "json" ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true });
    JSON.stringify(value);
    return value;
  } catch {
    return undefined;
  }
}

/** A mutated description (as YAML or JSON) or now and then a file that is no description at all. */
export function descriptionFile(base: Plain, words: readonly string[]): fc.Arbitrary<DescriptionFile> {
  return fc.oneof(
    { weight: 5, arbitrary: describedCase(base, { words }).map((c): DescriptionFile => ({ kind: "mutated", case: c })) },
    { weight: 1, arbitrary: fc.constant<DescriptionFile>({ kind: "mutated", case: describedCaseUnchanged(base) }) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom<SpecialFile>("missing", "directory", "fifo", "dev-null", "empty", "huge")
        .map((what): DescriptionFile => ({ kind: "special", what })),
    },
  );
}

function describedCaseUnchanged(base: Plain): DescriptionCase {
  return { format: "json", value: base, mutations: [], textMutations: [], text: JSON.stringify(base, null, 2) };
}

export function describeFile(file: DescriptionFile): string {
  return file.kind === "special"
    ? `special ${file.what}`
    : `${file.case.format} mutations=${abbreviated(file.case.mutations)} textMutations=${abbreviated(file.case.textMutations)} text=${abbreviated(file.case.text, 300)}`;
}

export interface WrittenDescription {
  path: string;
  /** What the loader makes of it in process: the oracle for what the CLI must answer. */
  valid: boolean;
}

let hugeFile: string | undefined;

/** 32 MiB of comments after a valid description: only a bounded read answers it quickly. */
function hugeDescription(dir: string, base: Plain): string {
  if (hugeFile) return hugeFile;
  const path = join(dir, "huge.yaml");
  const padding = "# padding to make the description far larger than any real one\n";
  writeFileSync(path, JSON.stringify(base) + "\n" + padding.repeat(Math.ceil((32 << 20) / padding.length)));
  hugeFile = path;
  return path;
}

/**
 * Writes the case's description into `dir` and says whether it is a valid one. Paths in it must lie
 * under `root` (or be one of `kept`); any other is moved there.
 */
export function writeDescription(
  file: DescriptionFile,
  dir: string,
  options: { base: Plain; sharedDir: string; root: string; kept: readonly string[] },
): WrittenDescription {
  const { base, sharedDir, root, kept } = options;
  mkdirSync(dir, { recursive: true });
  if (file.kind === "special") {
    switch (file.what) {
      case "missing":
        return { path: join(dir, "absent.yaml"), valid: false };
      case "directory": {
        const path = join(dir, "a-directory.yaml");
        mkdirSync(path, { recursive: true });
        return { path, valid: false };
      }
      case "fifo": {
        const path = join(dir, "a-fifo.yaml");
        execFileSync("mkfifo", [path]);
        return { path, valid: false };
      }
      case "dev-null":
        return { path: "/dev/null", valid: false };
      case "empty": {
        const path = join(dir, "empty.yaml");
        writeFileSync(path, "");
        return { path, valid: false };
      }
      case "huge":
        return { path: hugeDescription(sharedDir, base), valid: false };
    }
  }
  const c = file.case;
  // Judged on what the text reads as, text mutations included (a truncated plain scalar is still a
  // path); a text whose value had to be confined is written as that value instead (JSON is YAML).
  const read = readAs(c.format, c.text);
  const value = read === undefined ? undefined : withHistoryInside(confined(read, root, kept), root);
  const text = value === undefined || JSON.stringify(value) === JSON.stringify(read) ? c.text : JSON.stringify(value, null, 2);
  const path = join(dir, `cluster.${c.format}`);
  writeFileSync(path, text, { mode: 0o644 });
  let valid: boolean;
  try {
    parseClusterDescription(readFileSync(path, "utf8"), path);
    valid = true;
  } catch {
    valid = false;
  }
  return { path, valid };
}
