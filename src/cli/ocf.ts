import metaDataXml from "../../templates/ocf-meta-data.xml";
import { clusterPath, loadClusterDescription } from "../cluster/load";
import type { ClusterDescription } from "../cluster/schema";
import { resourcesFor } from "../resources/registry";
import { errorText } from "../log";
import { inspectCluster, runTransition, select, type World } from "../transition/runner";
import type { ErrorKind } from "../errors";
import { buildWorld, openLogger } from "./world";

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

const byKind: Partial<Record<ErrorKind, number>> = {
  usage: ocf.errConfigured,
  config: ocf.errConfigured,
  install: ocf.errInstalled,
  permission: ocf.errPerm,
};

export async function runOcf(action: string | undefined, env: NodeJS.ProcessEnv): Promise<number> {
  if (action === "meta-data") {
    process.stdout.write(metaDataXml.replace("__VERSION__", __AWS_HA_VERSION__));
    return ocf.success;
  }
  const known = ["start", "stop", "monitor", "status", "validate-all"];
  if (!action || !known.includes(action)) {
    process.stderr.write(`aws-ha: OCF action ${JSON.stringify(action ?? "")} is not implemented (${known.join(", ")}, meta-data)\n`);
    return ocf.errUnimplemented;
  }
  const logFormat = env.OCF_RESKEY_log_format === "json" ? "json" : "text";
  const log = openLogger("aws-ha-notify", { logFormat, verbose: false }, env).child({ ocf: env.OCF_RESOURCE_INSTANCE });
  const only = (env.OCF_RESKEY_resource ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  try {
    const description = withPacemakerTimeout(loadClusterDescription(clusterPath(env.OCF_RESKEY_cluster || undefined, env)), env);
    log.redact(description.keepalived?.authPass, description.heartbeat?.authKey);
    select(resourcesFor(description), only);
    if (action === "validate-all") return ocf.success;
    const world = buildWorld(description, log, env);
    if (action === "monitor" || action === "status") return await monitor(world, only);
    const report = await runTransition(world, { direction: action === "start" ? "acquire" : "release", cause: `ocf ${action}` }, { only });
    if (report.status !== "done") return ocf.success;
    const failed = report.results.filter((r) => r.error !== undefined);
    for (const f of failed) log.error(`${f.step.resource.name}: ${errorText(f.error)}`);
    return failed.length === 0 ? ocf.success : Math.max(...failed.map((f) => codeFor(f.error)));
  } catch (e) {
    log.error(errorText(e));
    // A probe on a node without the description must not look like a failure.
    if ((action === "monitor" || action === "status") && env.OCF_RESKEY_CRM_meta_interval === "0" && (e as { kind?: string }).kind === "config")
      return ocf.notRunning;
    return codeFor(e);
  } finally {
    await log.close();
  }
}

async function monitor(world: World, only: string[]): Promise<number> {
  const rows = (await inspectCluster(world, { only })).filter((r) => r.resource.kind !== "hook");
  const held = rows.filter((r) => r.holding.held).length;
  if (held === rows.length && rows.length > 0) return ocf.success;
  if (held === 0) return ocf.notRunning;
  world.log.warn(`partly held: ${rows.map((r) => `${r.resource.name}=${r.holding.held ? "here" : r.holding.detail}`).join(", ")}`);
  return ocf.errGeneric;
}

/** Pacemaker kills an action at its timeout; finish (or fail cleanly) a little before that. */
function withPacemakerTimeout(d: ClusterDescription, env: NodeJS.ProcessEnv): ClusterDescription {
  const ms = Number(env.OCF_RESKEY_CRM_meta_timeout);
  if (!Number.isFinite(ms) || ms <= 0) return d;
  const seconds = Math.max(1, Math.min(d.timeouts.transition, ms / 1000 - 2));
  return { ...d, timeouts: { ...d.timeouts, transition: seconds } };
}

function codeFor(e: unknown): number {
  const kind = (e as { kind?: ErrorKind }).kind;
  return (kind && byKind[kind]) ?? ocf.errGeneric;
}
