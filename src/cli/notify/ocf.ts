import { accessSync, constants } from "node:fs";
import metaDataXml from "../../../templates/ocf-meta-data.xml";
import { clusterPath, loadClusterDescription } from "../../cluster/load";
import type { ClusterDescription } from "../../cluster/schema";
import { findSelf } from "../../cluster/self";
import { AwsHaError } from "../../errors";
import { errorText } from "../../log";
import { resourcesFor } from "../../kinds/registry";
import { inspectCluster, runTransition, select, type Ports } from "../../transition/runner";
import { exitCodeFor } from "../../exit-codes";
import { buildPorts, openLogger } from "../../session/ports";

// Pacemaker's OCF resource-agent API: the action is the first argument, parameters arrive as
// OCF_RESKEY_*, and the exit codes differ from LSB (monitor says 7 for "not running"; stop never
// does). One Pacemaker resource usually selects one aws-ha resource by name, so that Pacemaker can
// place and order them (a group: volume, then vip, then eip, then the service).

export const ocf = {
  success: 0,
  errGeneric: 1,
  errArgs: 2,
  errUnimplemented: 3,
  errPerm: 4,
  errInstalled: 5,
  errConfigured: 6,
  notRunning: 7,
} as const;

// OCF shares LSB's numbers for failures: 2 a parameter this node cannot use, 4 AWS denied an
// action, 5 something missing on this node (the description itself), 6 a description that is
// wrong everywhere (Pacemaker then stops the resource on every node), 1 anything transient.
const codeFor = exitCodeFor;

const actions = ["start", "stop", "monitor", "status", "validate-all"];

export async function runOcf(action: string | undefined, env: NodeJS.ProcessEnv): Promise<number> {
  if (action === "meta-data") {
    process.stdout.write(metaDataXml.replace("__VERSION__", __AWS_HA_VERSION__));
    return ocf.success;
  }
  if (!action || !actions.includes(action)) {
    process.stderr.write(`aws-ha: OCF action ${JSON.stringify(action ?? "")} is not implemented (${actions.join(", ")}, meta-data)\n`);
    return ocf.errUnimplemented;
  }
  const logFormat = env.OCF_RESKEY_log_format === "json" ? "json" : "text";
  const log = openLogger("aws-ha-notify", { logFormat, verbose: false }, env).child({ ocf: env.OCF_RESOURCE_INSTANCE });
  const checking = action === "monitor" || action === "status";
  // A probe (interval 0) asks every node, including those that cannot run the resource at all.
  const probe = checking && env.OCF_RESKEY_CRM_meta_interval === "0";
  try {
    const only = parameters(env);
    const configured = loadDescription(env);
    const description = withPacemakerTimeout(configured, env);
    log.redact(description.keepalived?.authPass, description.heartbeat?.authKey);
    select(resourcesFor(description), only);
    if (action === "validate-all") return ocf.success;
    const world = buildPorts(action === "stop" ? releasingElasticIps(description) : description, log, env);
    if (!(await isClusterNode(world))) return checking ? ocf.notRunning : action === "stop" ? ocf.success : ocf.errArgs;
    if (checking) return await monitor(world, only);
    const report = await runTransition(
      world,
      { direction: action === "start" ? "acquire" : "release", cause: `ocf ${action}` },
      { only, newestWins: false },
    );
    if (report.status !== "done") return ocf.success;
    // Each failed step has logged its own error line.
    const failed = report.results.filter((r) => r.error !== undefined);
    if (failed.length === 0) return ocf.success;
    if (description.timeouts.transition < configured.timeouts.transition)
      log.warn(
        `Pacemaker's ${action} timeout left ${description.timeouts.transition} s of the ${configured.timeouts.transition} s transition; raise the op timeout if the step is only slow`,
      );
    return Math.max(...failed.map((f) => codeFor(f.error)));
  } catch (e) {
    log.failure(e);
    const kind = (e as { kind?: string }).kind;
    // A probe on a node without a usable description must not count as a failure there.
    if (probe && (kind === "config" || kind === "install")) return ocf.notRunning;
    return codeFor(e);
  } finally {
    await log.close();
  }
}

/** OCF_RESKEY_resource as a list of names or kinds (empty: all); OCF_RESKEY_log_format checked. */
function parameters(env: NodeJS.ProcessEnv): string[] {
  const logFormat = env.OCF_RESKEY_log_format;
  if (logFormat !== undefined && logFormat !== "" && logFormat !== "text" && logFormat !== "json")
    throw new AwsHaError("usage", `log_format=${JSON.stringify(logFormat)}: must be text or json`, {
      fix: "pcs resource update RESOURCE log_format=text",
    });
  return (env.OCF_RESKEY_resource ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function loadDescription(env: NodeJS.ProcessEnv): ClusterDescription {
  const path = clusterPath(env.OCF_RESKEY_cluster || undefined, env);
  try {
    accessSync(path, constants.R_OK);
  } catch (e) {
    throw new AwsHaError(
      "install",
      `the cluster description ${path} is not on this node (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      {
        fix: "copy the same description to every node, or point the cluster parameter at it",
      },
    );
  }
  return loadClusterDescription(path);
}

/**
 * Pacemaker stops a resource before it starts it elsewhere, and probes every node for where it is
 * active: after a successful stop, monitor must say "not running". An Elastic IP left associated
 * would still look active here, so an OCF stop disassociates it (only while it is still ours).
 * VIPs and routes need not: their address leaves this node's interface on every release.
 */
function releasingElasticIps(d: ClusterDescription): ClusterDescription {
  return { ...d, resources: d.resources.map((r) => (r.kind === "eip" ? { ...r, release: true } : r)) };
}

/** A node Pacemaker runs the resource on but the description does not name can hold nothing. */
async function isClusterNode(world: Ports): Promise<boolean> {
  const identity = await world.imds.identity();
  try {
    findSelf(world.description, identity.instanceId, identity.localIpv4s);
    return true;
  } catch (e) {
    world.log.error(errorText(e));
    return false;
  }
}

async function monitor(world: Ports, only: string[]): Promise<number> {
  const rows = (await inspectCluster(world, { only })).filter((r) => r.resource.kind !== "hook");
  const held = rows.filter((r) => r.holding.held).length;
  if (held === rows.length && rows.length > 0) return ocf.success;
  if (held === 0) return ocf.notRunning;
  world.log.warn(`partly held: ${rows.map((r) => `${r.resource.name}=${r.holding.held ? "here" : r.holding.detail}`).join(", ")}`);
  return ocf.errGeneric;
}

/**
 * Pacemaker kills an action at its timeout: finish (or fail cleanly) a little before that. The
 * metadata service is asked before the transition's deadline starts, so its waits shrink too.
 */
function withPacemakerTimeout(d: ClusterDescription, env: NodeJS.ProcessEnv): ClusterDescription {
  const ms = Number(env.OCF_RESKEY_CRM_meta_timeout);
  if (!Number.isFinite(ms) || ms <= 0) return d;
  const seconds = Math.max(1, Math.min(d.timeouts.transition, ms / 1000 - 2));
  return { ...d, timeouts: { ...d.timeouts, transition: seconds, metadata: Math.min(d.timeouts.metadata, seconds / 10) } };
}
