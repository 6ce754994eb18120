import { loadClusterDescription, type LoadOptions } from "../cluster/load";
import type { ClusterDescription } from "../cluster/schema";
import { AwsHaError } from "../errors";
import { exitCodeFor, exitCodes, worstExitCode } from "../exit-codes";
import { errorFields, errorText, type Fields, type Logger } from "../log";
import { closingLine } from "../transition/closing-line";
import { findSelf } from "../cluster/self";
import type { Ports, TransitionReport } from "../transition/runner";
import type { Transition } from "../transition/transition";
import { entryOfFailure, entryOfRun, entryOfSuperseded, type JournalEntry } from "../record/journal-entry";
import { recordTransition } from "../record/record-transition";
import { buildPorts, openLogger, type PortOptions } from "./ports";
import { descriptionCache } from "./description-cache";
import { isWithoutDescription, withoutDescription } from "./without-description";

// What every front end does around its daemon's dialect: open the log, load the description (its
// secrets kept out of every line), build the ports, turn what happened into an exit code, close the
// log. aws-ha-notify (keepalived, LSB, FIFO, check, show, status), its OCF mode and aws-ha-updateeip
// each open one session per process.

export interface SessionSpec {
  /** The command's name in syslog. */
  tag: "aws-ha-notify" | "aws-ha-updateeip";
  logFormat: "text" | "json";
  verbose: boolean;
  /** Fields every line carries (OCF: the Pacemaker resource). */
  fields?: Fields;
  env: NodeJS.ProcessEnv;
  /**
   * The exit code for an error that ended the command, once it is logged; by default the code of
   * its kind. Status answers "unknown", and an OCF probe "not running", in their own words.
   */
  failed?: (error: unknown) => number;
}

export class Session {
  constructor(
    readonly log: Logger,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The cluster description at `path`, whose secrets (VRRP pass, Heartbeat key) no log line will show. */
  async load(path: string, options: LoadOptions = {}): Promise<ClusterDescription> {
    const description = await loadClusterDescription(path, { parsed: descriptionCache(this.env), ...options });
    this.log.redact(description.keepalived?.authPass, description.heartbeat?.authKey);
    return description;
  }

  /** The real ports (IMDS, EC2, this host) for a description, logging to this session's log. */
  ports(description: ClusterDescription, options: PortOptions = {}): Ports {
    return buildPorts(description, this.log, this.env, options);
  }

  /**
   * The real ports where no description exists: this instance is whatever IMDS says (its address
   * `privateIp`, else its first), and the caller names the resources (see without-description.ts).
   */
  async portsWithoutDescription(lockName: string, privateIp: string | undefined): Promise<Ports> {
    const { settings, selfFrom } = await withoutDescription(lockName, privateIp);
    return { ...buildPorts(settings, this.log, this.env), selfFrom };
  }
}

/** Runs one command in a session: `body` answers its exit code; an error it throws is logged and mapped. */
export async function runSession(spec: SessionSpec, body: (session: Session) => Promise<number>): Promise<number> {
  const root = openLogger(spec.tag, spec, spec.env);
  const log = spec.fields ? root.child(spec.fields) : root;
  try {
    return await body(new Session(log, spec.env));
  } catch (e) {
    log.failure(e);
    return (spec.failed ?? exitCodeFor)(e);
  } finally {
    await root.close();
  }
}

export interface Conclusion {
  /** How the transition ended for the daemon: 0, or the code of its worst failure. */
  code: number;
  /** Whether every step succeeded (or none was needed). */
  done: boolean;
}

/**
 * Ends a transition that ran: its closing line (what moved where), its record (the journal line and
 * the metrics, see src/record/) and its exit code. `itemise`: name each failed resource on a line
 * of its own before the closing line (keepalived's and the LSB's log); without it the closing line
 * of a failure is a warning, because each failed step has logged its error already and Heartbeat's
 * debug log should show one error line.
 */
export async function concludeTransition(
  ports: Ports,
  report: Extract<TransitionReport, { status: "done" }>,
  ms: number,
  options: { itemise: boolean },
): Promise<Conclusion> {
  const { log, description } = ports;
  const line = closingLine(report.plan, report.results, { nodes: description.nodes, self: report.self.instanceId, ms });
  const failed = report.results.filter((r) => r.error !== undefined);
  const rounded = Math.round(ms);
  if (failed.length === 0) log.info(line, { changed: report.results.filter((r) => r.outcome === "changed").length, ms: rounded });
  else if (options.itemise) {
    for (const f of failed) log.error(failureLine(f.step.resource.name, f.error), errorFields(f.error));
    log.error(line, { ms: rounded });
  } else log.warn(line, { ms: rounded });
  // Logged first: the line says what happened, and the event's bookkeeping and its record (files
  // that decide nothing about it) follow. The record waits for the lock's release, as it always has.
  await report.settled;
  await record(ports, entryOfRun(description.cluster, description.nodes, report, ms, new Date()));
  return failed.length === 0 ? { code: exitCodes.ok, done: true } : { code: worstExitCode(failed.map((f) => f.error)), done: false };
}

/** Records a transition that a newer event made unnecessary: it waited for the lock and did nothing. */
export async function concludeSuperseded(ports: Ports, transition: Transition, by: string, ms: number): Promise<void> {
  await record(ports, entryOfSuperseded(ports.description.cluster, transition, by, ms, new Date(), knownNodeName(ports)));
}

/** Records a transition that could not run (no lock, no identity, this node not in the description); the caller logs and maps the error. */
export async function concludeFailure(ports: Ports, transition: Transition, ms: number, error: unknown): Promise<void> {
  await record(ports, entryOfFailure(ports.description.cluster, transition, ms, error, new Date(), knownNodeName(ports)));
}

/**
 * This node's name in the description, when this process has read its identity already (a record
 * never waits for IMDS, which may be what failed); undefined when it has not, or when the identity
 * names no node of the description.
 */
function knownNodeName(ports: Ports): string | undefined {
  const identity = ports.imds.known?.();
  if (!identity) return undefined;
  try {
    return (ports.selfFrom?.(identity) ?? findSelf(ports.description, identity.instanceId, identity.localIpv4s)).name;
  } catch {
    return undefined;
  }
}

/**
 * Without a description there is nowhere to say where the history goes, and aws-ha-updateeip's
 * narrow Heartbeat use must not start writing below /var/lib on machines that never asked for it.
 */
async function record(ports: Ports, entry: JournalEntry): Promise<void> {
  if (isWithoutDescription(ports.description)) return;
  await recordTransition(ports.description, ports.log, entry);
}

/** Names the resource once: errors of a resource often name it already ("volume data: …"). */
function failureLine(name: string, error: unknown): string {
  const named = error instanceof AwsHaError && (error.details.resource === name || error.details.resource?.endsWith(` ${name}`));
  return named ? errorText(error) : `${name}: ${errorText(error)}`;
}
