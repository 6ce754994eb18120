import { parseDocument } from "yaml";
import type { z } from "zod";
import { nestingProblem } from "./nesting-depth";
import { clusterDescriptionSchema, resourceFragments, type ClusterDescription } from "./schema";
import { semanticProblems } from "./semantics";
import { ConfigError, type ConfigProblem } from "../errors";
import { readDescription } from "./load";

// The text of a description (YAML, or JSON by its name) to a validated ClusterDescription: every
// problem found is listed at once, each with the place it is at. load.ts reads the file and judges
// it first; this module, with the parser and the schema, is loaded only for a text it has not
// validated before.

export function parseClusterDescription(text: string, source: string): ClusterDescription {
  const json = source.endsWith(".json");
  // Editors on Windows start a file with a byte-order mark: YAML skips it, JSON.parse does not.
  const body = json && text.startsWith("\uFEFF") ? text.slice(1) : text;
  const tooDeep = json ? undefined : nestingProblem(body);
  if (tooDeep) refuse([{ path: "(file)", message: tooDeep }], source);
  let raw: unknown;
  try {
    raw = json ? JSON.parse(body) : parseYamlStrictly(body);
  } catch (e) {
    refuse([{ path: "(file)", message: `not valid ${json ? "JSON" : "YAML"}: ${(e as Error).message.split("\n")[0]}` }], source);
  }
  const parsed = clusterDescriptionSchema.safeParse(raw);
  if (!parsed.success) refuse(parsed.error.issues.map(toProblem), source);
  const problems = semanticProblems(parsed.data);
  if (problems.length > 0) refuse(problems, source);
  return parsed.data;
}

/**
 * A description read and validated as it is, with no judgement of who could have changed it and no
 * cache: for commands that run nothing it names (aws-ha-gen renders an operator's copy anywhere).
 */
export function parseDescriptionFile(path: string): ClusterDescription {
  return parseClusterDescription(readDescription(path).text, path);
}

/** ConfigError escapes each problem as it lists it: no value quoted from the file can break a line. */
function refuse(problems: readonly ConfigProblem[], source: string): never {
  throw new ConfigError(problems, source);
}

/**
 * One document; what the parser only warns about (an unknown tag, say) is an error here, as an
 * unknown key is, and never a warning banner printed by the process.
 */
function parseYamlStrictly(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, logLevel: "error" });
  const trouble = doc.errors[0] ?? doc.warnings[0];
  if (trouble) throw trouble;
  return doc.toJS({ maxAliasCount: 100 });
}

function toProblem(issue: z.core.$ZodIssue): ConfigProblem {
  const path = formatPath(issue.path) || "(top level)";
  if (issue.code === "unrecognized_keys") {
    return {
      path,
      message: `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}; check the spelling against \`aws-ha-gen init\``,
    };
  }
  if (issue.code === "invalid_union" && "discriminator" in issue) {
    return { path, message: `kind must be one of ${resourceFragments.map((f) => f.schema.shape.kind.value).join(", ")}` };
  }
  return { path, message: issue.message };
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    "",
  );
}
