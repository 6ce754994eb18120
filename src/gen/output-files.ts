import type { ClusterDescription, ClusterNode } from "../cluster/schema";
import { renderHeartbeat } from "./heartbeat";
import { daemonsCallingPerEvent, helperUnitName, renderNodeHelperUnit } from "./helper-unit";
import { buildRolePolicies, renderIamPolicy, rolePolicyFileStem, type IamPolicyOptions } from "./iam-policy";
import { renderInstallNote } from "./install-note";
import { renderKeepalivedConf } from "./keepalived";
import { wantsHeartbeat, wantsKeepalived } from "./node-roles";
import { renderPacemaker } from "./pacemaker";
import type { ClusterSecrets } from "./secrets";

// Everything `aws-ha-gen all` writes, rendered in memory first: a description that fails for one
// node must not leave the other nodes' folders half rewritten.

export interface OutputFile {
  /** Relative to the output directory. */
  path: string;
  content: string;
  mode: number;
}

export interface RenderContext {
  /** Where the description is installed on the nodes; the generated hooks pass it to aws-ha-notify. */
  clusterPath: string;
  secrets: ClusterSecrets;
  iam: IamPolicyOptions;
}

export const configMode = 0o644;
/** Heartbeat refuses an authkeys readable by group or others; the secrets file holds the same key. */
export const secretMode = 0o600;
export const scriptMode = 0o755;

export function heartbeatFiles(d: ClusterDescription, nodeName: string, ctx: RenderContext, dir = ""): OutputFile[] {
  const files = renderHeartbeat(d, nodeName, ctx);
  return [
    { path: join(dir, "ha.cf"), content: files.haCf, mode: configMode },
    { path: join(dir, "haresources"), content: files.haresources, mode: configMode },
    { path: join(dir, "authkeys"), content: files.authkeys, mode: secretMode },
  ];
}

/** One folder per node: what that node installs, and how (INSTALL.md). */
export function nodeFiles(d: ClusterDescription, node: ClusterNode, ctx: RenderContext): OutputFile[] {
  const files: OutputFile[] = [];
  if (wantsKeepalived(d))
    files.push({ path: join(node.name, "keepalived.conf"), content: renderKeepalivedConf(d, node.name, ctx), mode: configMode });
  if (wantsHeartbeat(d)) files.push(...heartbeatFiles(d, node.name, ctx, node.name));
  if (daemonsCallingPerEvent(d).length > 0)
    files.push({ path: join(node.name, helperUnitName), content: renderNodeHelperUnit(d, ctx.clusterPath), mode: configMode });
  files.push({ path: join(node.name, "iam-policy.json"), content: renderIamPolicy(d, ctx.iam), mode: configMode });
  files.push({ path: join(node.name, "INSTALL.md"), content: renderInstallNote(d, node.name, ctx.clusterPath), mode: configMode });
  return files;
}

/** The whole cluster; Pacemaker's resources are created once, from any one node. */
export function clusterFiles(d: ClusterDescription, ctx: RenderContext): OutputFile[] {
  const files = d.nodes.flatMap((node) => nodeFiles(d, node, ctx));
  if (d.manager === "pacemaker")
    files.push({
      path: "pacemaker.sh",
      content: renderPacemaker(d, { clusterPath: ctx.clusterPath, region: ctx.iam.region }),
      mode: scriptMode,
    });
  // The roles the description assumes live in other accounts: their policies are the cluster's, once.
  for (const role of buildRolePolicies(d, ctx.iam)) {
    const stem = join("roles", rolePolicyFileStem(role.roleArn));
    files.push({ path: `${stem}.policy.json`, content: `${JSON.stringify(role.permissions, null, 2)}\n`, mode: configMode });
    files.push({ path: `${stem}.trust.json`, content: `${JSON.stringify(role.trust, null, 2)}\n`, mode: configMode });
  }
  return files;
}

function join(dir: string, name: string): string {
  return dir === "" ? name : `${dir}/${name}`;
}
