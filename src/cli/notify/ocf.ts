import { accessSync, constants } from "node:fs";
import metaDataXml from "../../../templates/ocf-meta-data.xml";
import { clusterPath } from "../../cluster/load";
import type { ClusterDescription } from "../../cluster/schema";
import { findSelf } from "../../cluster/self";
import { AwsHaError } from "../../errors";
import { errorFields, errorText } from "../../log";
import { resourcesFor } from "../../kinds/registry";
import { inspectCluster, runTransition, select, type Ports } from "../../transition/runner";
import { exitCodeFor, ocfCodes as ocf } from "../../exit-codes";
import { holdingAnswer } from "../../session/holding-answer";
import { concludeFailure, concludeTransition, runSession, type Session } from "../../session/session";
import { monotonicMs } from "../../time/monotonic";

// Pacemaker's OCF resource-agent API: the action is the first argument, parameters arrive as
// OCF_RESKEY_*, and the exit codes differ from LSB (monitor says 7 for "not running"; stop never
// does). One Pacemaker resource usually selects one aws-ha resource by name, so that Pacemaker can
// place and order them (a group: volume, then vip, then eip, then the service). The codes are in
// src/exit-codes.ts.

const actions = ["start", "stop", "monitor", "status", "validate-all"];

/** `open`: the session the action runs in; the resident helper passes one with its kept connection and the caller's log. */
export async function runOcf(action: string | undefined, env: NodeJS.ProcessEnv, open: typeof runSession = runSession): Promise<number> {
  if (action === "meta-data") {
    process.stdout.write(metaDataXml.replace("__VERSION__", __AWS_HA_VERSION__));
    return ocf.success;
  }
  if (!action || !actions.includes(action)) {
    process.stderr.write(`aws-ha: OCF action ${JSON.stringify(action ?? "")} is not implemented (${actions.join(", ")}, meta-data)\n`);
    return ocf.errUnimplemented;
  }
  const logFormat = env.OCF_RESKEY_log_format === "json" ? "json" : "text";
  const checking = action === "monitor" || action === "status";
  // A probe (interval 0) asks every node, including those that cannot run the resource at all.
  const probe = checking && env.OCF_RESKEY_CRM_meta_interval === "0";
  const failed = (e: unknown): number => {
    const kind = (e as { kind?: string }).kind;
    // A probe on a node without a usable description must not count as a failure there.
    return probe && (kind === "config" || kind === "install") ? ocf.notRunning : exitCodeFor(e);
  };
  const fields = { ocf: env.OCF_RESOURCE_INSTANCE };
  return open({ tag: "aws-ha-notify", logFormat, verbose: false, fields, env, failed }, async (session) => {
    const only = parameters(env);
    const configured = await loadDescription(session, env);
    const description = withPacemakerTimeout(configured, env);
    select(resourcesFor(description), only);
    if (action === "validate-all") return ocf.success;
    const ports = session.ports(action === "stop" ? releasingElasticIps(description) : description);
    if (!(await isClusterNode(ports))) return checking ? ocf.notRunning : action === "stop" ? ocf.success : ocf.errArgs;
    if (checking) return await monitor(ports, only);
    const started = monotonicMs();
    const event = { direction: action === "start" ? "acquire" : "release", cause: `ocf ${action}` } as const;
    let report;
    try {
      report = await runTransition(ports, event, { only, newestWins: false });
    } catch (e) {
      // The session logs it and answers its exit code; the journal keeps it too.
      await concludeFailure(ports, event, monotonicMs() - started, e);
      throw e;
    }
    if (report.status !== "done") return ocf.success;
    // Each failed step has logged its own error line.
    const { code, done } = await concludeTransition(ports, report, monotonicMs() - started, { itemise: false });
    if (done) return ocf.success;
    if (description.timeouts.transition < configured.timeouts.transition)
      session.log.warn(
        `Pacemaker's ${action} timeout left ${description.timeouts.transition} s of the ${configured.timeouts.transition} s transition; raise the op timeout if the step is only slow`,
      );
    return code;
  });
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

async function loadDescription(session: Session, env: NodeJS.ProcessEnv): Promise<ClusterDescription> {
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
  return session.load(path);
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
async function isClusterNode(ports: Ports): Promise<boolean> {
  const identity = await ports.imds.identity();
  try {
    findSelf(ports.description, identity.instanceId, identity.localIpv4s);
    return true;
  } catch (e) {
    ports.log.error(errorText(e), errorFields(e));
    return false;
  }
}

/** OCF monitor: 0 when everything is held here, 7 when nothing is, 1 (and a warning) when only some is. */
async function monitor(ports: Ports, only: string[]): Promise<number> {
  const answer = holdingAnswer(await inspectCluster(ports, { only }));
  if (answer.held === "all") return ocf.success;
  if (answer.held === "none") return ocf.notRunning;
  ports.log.warn(`partly held: ${answer.of.map((r) => `${r.resource.name}=${r.holding.held ? "here" : r.holding.detail}`).join(", ")}`);
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
