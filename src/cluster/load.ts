import type { Stats } from "node:fs";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { refuseUntrustedDescription, refuseUntrustedExecutables } from "./description-trust";
import { currentUid } from "./file-trust";
import { nestingProblem } from "./nesting-depth";
import { maxDescriptionBytes, readBoundedFile } from "./read-bounded";
import { clusterDescriptionSchema, resourceFragments, type ClusterDescription } from "./schema";
import { semanticProblems } from "./semantics";
import { AwsHaError, ConfigError, type ConfigProblem } from "../errors";

export const defaultClusterPath = "/etc/aws-ha/cluster.yaml";

/** `--cluster`, else `AWS_HA_CLUSTER`, else /etc/aws-ha/cluster.yaml. */
export function clusterPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? env.AWS_HA_CLUSTER ?? defaultClusterPath;
}

export interface LoadOptions {
  /**
   * Who besides root may own the description, the directories above it and the commands it names.
   * The default, the user running this process, is right for every command that acts: a file that
   * user owns tells aws-ha nothing that user could not do anyway. `false` for commands that only
   * read the description (rendering, validating an operator's copy), which run nothing it names.
   */
  trustedUid?: number | false;
  /** Validated descriptions kept from earlier runs (built CLIs only); consulted only for a source that passed the trust checks. */
  parsed?: ParsedDescriptions;
}

/** Descriptions validated before, by path and exact text. */
export interface ParsedDescriptions {
  lookup(path: string, text: string): ClusterDescription | undefined;
  store(path: string, text: string, description: ClusterDescription): void;
}

/** Reads, validates and, unless told otherwise, checks who could have changed the description. */
export function loadClusterDescription(path: string, options: LoadOptions = {}): ClusterDescription {
  const trustedUid = options.trustedUid ?? currentUid();
  const { text, stats } = readDescription(path);
  // Judged before parsing: nothing of an untrusted file is parsed, let alone acted on. The path is
  // judged by name after the open, and must lead to the very file read: a file that appeared or
  // was swapped in between (in a sticky directory, say) is not the one judged.
  if (trustedUid !== false) refuseUntrustedDescription(path, trustedUid, stats);
  // A file whose owner is not checked (a read-only command's) is never served from the cache.
  const parsed = trustedUid === false ? undefined : options.parsed;
  let d = parsed?.lookup(path, text);
  if (!d) {
    d = parseClusterDescription(text, path);
    parsed?.store(path, text, d);
  }
  if (trustedUid !== false) refuseUntrustedExecutables(d, path, trustedUid);
  return d;
}

function readDescription(path: string): { text: string; stats: Stats } {
  try {
    return readBoundedFile(path, {
      what: "the cluster description",
      maxBytes: maxDescriptionBytes,
      fix: "point --cluster (or AWS_HA_CLUSTER) at the YAML or JSON file itself",
    });
  } catch (e) {
    if (e instanceof AwsHaError) throw e;
    throw new AwsHaError("config", `cannot read the cluster description ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
      fix: "pass --cluster FILE or set AWS_HA_CLUSTER; `aws-ha-gen init` writes an example",
    });
  }
}

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
