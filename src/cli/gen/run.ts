import { basename, dirname, isAbsolute, join, relative } from "node:path";
import { clusterPath, defaultClusterPath } from "../../cluster/load";
import { parseDescriptionFile } from "../../cluster/parse";
import type { ClusterDescription } from "../../cluster/schema";
import { AwsHaError, usageError } from "../../errors";
import { buildRolePolicies, renderIamPolicy, type IamPolicyOptions } from "../../gen/iam-policy";
import { renderKeepalivedConf } from "../../gen/keepalived";
import { nodeNamed, wantsHeartbeat } from "../../gen/node-roles";
import { renderPacemaker, type FenceAgentName } from "../../gen/pacemaker";
import { resolveSecrets } from "../../gen/secrets";
import { quoted } from "../../log";
import {
  clusterFiles,
  configMode,
  heartbeatFiles,
  nodeFiles,
  scriptMode,
  type OutputFile,
  type RenderContext,
} from "../../gen/output-files";
import { planSecrets, type SecretsPlan } from "../../gen/saved-secrets";
import { writeFiles } from "../../gen/write-all";

// The subcommands that read a cluster description. Each one loads and validates it, renders every
// output in memory, and only then writes (or prints); a problem anywhere means nothing is written.

export interface GenIo {
  env: NodeJS.ProcessEnv;
  print(text: string): void;
}

export interface DescriptionArgs {
  cluster?: string;
  /** Where the description is installed on the nodes (what the hooks pass to aws-ha-notify). */
  nodeCluster?: string;
}

export interface SecretArgs {
  /** Where generated secrets are kept (default: .secrets.json in the output directory). */
  secrets?: string;
}

export interface IamArgs {
  region?: string;
  account?: string;
}

const secretsFileName = ".secrets.json";

export function runValidate(args: DescriptionArgs, io: GenIo): void {
  const { d, path, clusterPathOnNodes } = load(args, io);
  // Rendering every node's files (and throwing them away) catches what only a renderer can see,
  // such as a health check argument keepalived could not parse, so `all` cannot fail afterwards.
  const { secrets } = resolveSecrets(d, undefined);
  for (const node of d.nodes) nodeFiles(d, node, context(clusterPathOnNodes, { secrets, generated: [] }, {}));
  const resources = d.resources.map((r) => `${r.kind} ${r.name}`).join(", ") || "none";
  io.print(
    `${path}: valid — cluster ${d.cluster}, manager ${d.manager}, nodes ${d.nodes.map((n) => n.name).join(", ")}; resources: ${resources}\n`,
  );
}

export function runKeepalived(args: DescriptionArgs & SecretArgs & { node: string; out?: string }, io: GenIo): void {
  const { d, clusterPathOnNodes } = load(args, io);
  nodeNamed(d, args.node);
  if (!d.keepalived) throw notRendered(d, "keepalived", "add a keepalived: section with at least virtualRouterId");
  const store = args.secrets ?? (args.out ? join(dirname(args.out), secretsFileName) : undefined);
  const plan = planSecrets(d, store, ["vrrpAuthPass"]);
  const conf = renderKeepalivedConf(d, args.node, { clusterPath: clusterPathOnNodes, secrets: plan.secrets });
  if (args.out === undefined) return io.print(conf);
  write(dirname(args.out), [{ path: basename(args.out), content: conf, mode: configMode }], plan, io);
}

export function runHeartbeat(args: DescriptionArgs & SecretArgs & { node: string; out: string }, io: GenIo): void {
  const { d, clusterPathOnNodes } = load(args, io);
  nodeNamed(d, args.node);
  if (!wantsHeartbeat(d)) throw notRendered(d, "heartbeat", "set manager: heartbeat, or add a heartbeat: section");
  const plan = planSecrets(d, args.secrets ?? join(args.out, secretsFileName));
  const files = heartbeatFiles(d, args.node, context(clusterPathOnNodes, plan, {}));
  write(args.out, files, plan, io);
}

export function runIamPolicy(args: DescriptionArgs & IamArgs & { role?: string; trust?: boolean }, io: GenIo): void {
  const { d } = load(args, io);
  if (args.trust && args.role === undefined) throw usageError("--trust needs --role ARN: the role whose trust policy to print");
  if (args.role === undefined) return io.print(renderIamPolicy(d, iamOptions(args)));
  const policies = buildRolePolicies(d, iamOptions(args));
  const chosen = policies.find((p) => p.roleArn === args.role);
  if (!chosen)
    throw usageError(
      `--role ${quoted(args.role)}: the description assumes no such role (${policies.length > 0 ? `it assumes ${policies.map((p) => p.roleArn).join(", ")}` : "it names no assumeRole"})`,
    );
  io.print(`${JSON.stringify(args.trust ? chosen.trust : chosen.permissions, null, 2)}\n`);
}

export function runPacemaker(args: DescriptionArgs & { region?: string; out?: string; "fence-agent"?: FenceAgentName }, io: GenIo): void {
  const { d, clusterPathOnNodes } = load(args, io);
  const script = renderPacemaker(d, {
    clusterPath: clusterPathOnNodes,
    region: iamOptions(args).region,
    ...(args["fence-agent"] ? { fenceAgent: args["fence-agent"] } : {}),
  });
  if (args.out === undefined) return io.print(script);
  write(dirname(args.out), [{ path: basename(args.out), content: script, mode: scriptMode }], { secrets: {}, generated: [] }, io);
}

export function runAll(args: DescriptionArgs & SecretArgs & IamArgs & { out: string }, io: GenIo): void {
  const { d, clusterPathOnNodes } = load(args, io);
  const plan = planSecrets(d, args.secrets ?? join(args.out, secretsFileName));
  write(args.out, clusterFiles(d, context(clusterPathOnNodes, plan, iamOptions(args))), plan, io);
}

function load(args: DescriptionArgs, io: GenIo): { d: ClusterDescription; path: string; clusterPathOnNodes: string } {
  const path = clusterPath(args.cluster, io.env);
  // Rendering runs nothing the description names: an operator's own copy anywhere will do.
  const d = parseDescriptionFile(path);
  // A relative path means nothing on the nodes; the default is where every command looks.
  const clusterPathOnNodes = args.nodeCluster ?? (isAbsolute(path) ? path : defaultClusterPath);
  if (!isAbsolute(clusterPathOnNodes)) throw usageError(`--node-cluster must be an absolute path, not ${quoted(clusterPathOnNodes)}`);
  return { d, path, clusterPathOnNodes };
}

function notRendered(d: ClusterDescription, section: string, fix: string): AwsHaError {
  return new AwsHaError(
    "config",
    `cluster ${d.cluster} has manager ${d.manager} and no ${section} section, so there is no ${section} configuration to render`,
    { fix },
  );
}

function context(clusterPathOnNodes: string, plan: SecretsPlan, iam: IamPolicyOptions): RenderContext {
  return { clusterPath: clusterPathOnNodes, secrets: plan.secrets, iam };
}

function iamOptions(args: IamArgs): IamPolicyOptions {
  if (args.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(args.region))
    throw usageError(`--region ${quoted(args.region)} is not an AWS region like eu-west-1`);
  if (args.account !== undefined && !/^\d{12}$/.test(args.account))
    throw usageError(`--account ${quoted(args.account)} is not a 12-digit AWS account id`);
  return { ...(args.region !== undefined && { region: args.region }), ...(args.account !== undefined && { account: args.account }) };
}

function write(outDir: string, files: OutputFile[], plan: SecretsPlan, io: GenIo): void {
  const written = writeFiles(outDir, plan.file ? [...files, plan.file] : files);
  for (const path of written) io.print(`wrote ${shown(path)}\n`);
  if (plan.file)
    io.print(
      `generated ${plan.generated.join(" and ")}, kept in ${shown(plan.file.path)} (mode 0600) so that later runs render the same secrets; install files rendered with it on every node\n`,
    );
}

/** A path under the working directory as the operator would type it, any other in full. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}
