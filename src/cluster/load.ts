import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { clusterDescriptionSchema, type ClusterDescription } from "./schema";
import { semanticProblems } from "./semantics";
import { AwsHaError, ConfigError, type ConfigProblem } from "../errors";

export const defaultClusterPath = "/etc/aws-ha/cluster.yaml";

/** `--cluster`, else `AWS_HA_CLUSTER`, else /etc/aws-ha/cluster.yaml. */
export function clusterPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? env.AWS_HA_CLUSTER ?? defaultClusterPath;
}

export function loadClusterDescription(path: string): ClusterDescription {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new AwsHaError("config", `cannot read the cluster description ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
      fix: "pass --cluster FILE or set AWS_HA_CLUSTER; `aws-ha-gen init` writes an example",
    });
  }
  return parseClusterDescription(text, path);
}

export function parseClusterDescription(text: string, source: string): ClusterDescription {
  let raw: unknown;
  try {
    raw = source.endsWith(".json") ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true });
  } catch (e) {
    throw new ConfigError(
      [{ path: "(file)", message: `not valid ${source.endsWith(".json") ? "JSON" : "YAML"}: ${(e as Error).message.split("\n")[0]}` }],
      source,
    );
  }
  const parsed = clusterDescriptionSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map(toProblem), source);
  const problems = semanticProblems(parsed.data);
  if (problems.length > 0) throw new ConfigError(problems, source);
  return parsed.data;
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
    return { path, message: "kind must be one of vip, eip, route, volume, service, hook" };
  }
  return { path, message: issue.message };
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    "",
  );
}
