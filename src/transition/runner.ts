import type { ClusterDescription, ClusterNode } from "../cluster/schema";
import { findSelf } from "../cluster/self";
import type { Ec2 } from "../cloud/ec2-port";
import type { Identity, Imds } from "../cloud/identity";
import type { Route53 } from "../cloud/route53-port";
import type { Host } from "../host/host-port";
import { errorText, type Logger } from "../log";
import type { Holding, Resource, TransitionContext } from "../kinds/resource";
import { resourcesFor } from "../kinds/registry";
import { AwsHaError } from "../errors";
import { watchCommands } from "../host/run-command";
import { Deadline } from "../time/deadline";
import { EventTicket, type NewerEvent } from "./event-order";
import { arrivalOfThisProcess, type EventStamp } from "./event-stamp";
import { executePlan, type StepResult } from "./execute";
import { CommandLedger, leftoverTiming, type LeftoverTiming } from "./leftover-commands";
import { TransitionLock } from "./lock";
import { planTransition, type Plan } from "./plan";
import { openRunDir } from "./run-dir";
import { findPeersToStop, stopPeersOnTakeover } from "./stop-on-takeover";
import type { Transition } from "./transition";
import { Observations } from "../kinds/observations";
import { withActingRoles } from "../kinds/acting-role";
import { rolesNamed, type AssumedRole } from "../cloud/roles/acting-role";

/** The ports a transition reaches the outside through (IMDS, EC2, this host, the log), with the description; tests hand in stand-ins. */
export interface Ports {
  description: ClusterDescription;
  imds: Imds;
  /** Built once the region is known (from the description or IMDS); as `role` when given (src/kinds/acting-role.ts). */
  ec2: (identity: Identity, deadline: Deadline, role?: AssumedRole) => Ec2;
  /** Built like ec2, only for a description with records. */
  route53?: (deadline: Deadline, role?: AssumedRole) => Route53;
  /** A role's keys, assumed if not held yet (what `check` proves); only for a description that names roles. */
  roleKeys?: (role: AssumedRole) => Promise<{ expiration: Date }>;
  host: Host;
  log: Logger;
  /** How this node finds itself; by default in the description's nodes by instance id or address. */
  selfFrom?: (identity: Identity) => ClusterNode;
  /** The resources to move; by default every resource of the description. */
  resources?: readonly Resource[];
}

export interface Selection {
  /** Only these kinds or resource names; everything when empty. */
  only?: readonly string[];
}

export type TransitionReport =
  | { status: "superseded"; by: NewerEvent }
  | { status: "planned"; plan: Plan }
  /**
   * `self`: the node that ran it, as the description names it. `settled`: the event marked done and
   * the lock released, already under way when the report is returned, so that the closing line need
   * not wait for them; it never rejects. Whoever records the transition awaits it first.
   */
  | { status: "done"; plan: Plan; results: StepResult[]; self: ClusterNode; settled?: Promise<void> };

/** An event, and when it arrived when that was not when this process was forked (a FIFO line). */
export type ArrivedTransition = Transition & { arrival?: EventStamp };

/**
 * One event, start to finish: stamp it, wait for the node's lock, skip it if a newer event arrived
 * meanwhile, let commands of an earlier transition finish (or stop them), inspect every selected
 * resource, act only on what differs, all within one deadline.
 */
export async function runTransition(
  ports: Ports,
  transition: ArrivedTransition,
  options: Selection & {
    dryRun?: boolean;
    /**
     * false: run even if a newer event arrived meanwhile. Pacemaker orders its own actions, and an
     * action on one resource must not swallow an action on another that merely waited for the lock.
     */
    newestWins?: boolean;
    /** How long commands left by an earlier transition get before they are stopped. */
    leftovers?: LeftoverTiming;
  } = {},
): Promise<TransitionReport> {
  const { description, log } = ports;
  const deadline = new Deadline(description.timeouts.transition * 1000);
  // A bad --only is an argument error: it must neither stamp an event nor wait for the lock.
  const resources = withActingRoles(select(ports.resources ?? resourcesFor(description), options.only), description);
  if (options.dryRun) {
    const ctx = contextOf(ports, await ports.imds.identity(), deadline);
    return { status: "planned", plan: await planWithStops(transition, resources, await inspectAll(resources, ctx), ctx) };
  }
  // Taken before anything can yield: events of one process are ordered by this call.
  const arrival = options.newestWins === false ? undefined : (transition.arrival ?? arrivalOfThisProcess());
  // IMDS answers while we wait for the lock.
  const identity = ports.imds.identity();
  identity.catch(() => undefined);
  const runDir = await openRunDir(description.paths.runDir);
  const event = { word: transition.cause, direction: transition.direction };
  const ticket = arrival && (await EventTicket.issue(runDir, description.cluster, event, arrival));
  let lock: TransitionLock;
  try {
    lock = await TransitionLock.acquire(runDir, description.cluster, deadline, { log });
  } catch (e) {
    await ticket?.withdraw();
    throw e;
  }
  let settled: Promise<void> | undefined;
  try {
    const newer = await ticket?.supersededBy();
    if (newer) {
      log.info(`skipped: superseded by ${newer.word} (${newer.direction}) that arrived later`, { event: transition.cause });
      await ticket?.withdraw();
      return { status: "superseded", by: newer };
    }
    // The inspect (read-only calls) starts now, while the commands of an earlier transition are
    // looked at, and its answer is used only if they cannot have changed what it read. No other
    // transition of this node changes anything while we hold the lock, and one that held it before
    // us has finished its calls (it gives the lock back only after them). What could still be
    // changing is a command an earlier, killed transition left running (a hook, a service stop, a
    // mount): if any ran, the inspect is made again once they are gone. It starts only after the
    // newest-event check, so that a skipped event makes no call at all, and nothing of it outlives
    // the lock: a failure waits for it before the lock is given back. Errors (IMDS, this node not
    // in the description) surface where they always did, after the leftovers.
    const looked = identity.then((id) => {
      const ctx = contextOf(ports, id, deadline, transition.direction === "acquire");
      return { ctx, holdings: inspectAll(resources, ctx) };
    });
    const inspected = looked.then(({ holdings }) => holdings).catch(() => undefined);
    try {
      const ledger = await CommandLedger.open(runDir, description.cluster);
      const leftovers = await ledger.settle(log, deadline, options.leftovers ?? leftoverTiming);
      watchCommands(ledger);
      let { ctx, holdings } = await looked;
      if (leftovers > 0) {
        await inspected;
        ctx = contextOf(ports, await identity, deadline, transition.direction === "acquire");
        holdings = inspectAll(resources, ctx);
      }
      const plan = await planWithStops(transition, resources, await holdings, ctx);
      // A peer that did not hand over is stopped alongside the steps, not before them: vips, Elastic
      // IPs and routes move at once, and a volume or ENI it keeps waits for that stop in its handover.
      const superseded = async () => (await ticket?.supersededBy()) !== undefined;
      const [results, peerStops] = await Promise.all([
        executePlan(plan, ctx),
        stopPeersOnTakeover(ctx, plan.peersToStop ?? [], superseded),
      ]);
      // Everything has happened: what is left is bookkeeping that decides nothing about this event,
      // so it starts now and the caller logs the closing line meanwhile. Until `settled`, the lock is
      // still ours: a next event (of this process too) waits for it as for any live owner.
      watchCommands(undefined);
      settled = retireAndRelease(ticket, lock, log);
      return { status: "done", plan: peerStops.length > 0 ? { ...plan, peerStops } : plan, results, self: ctx.self, settled };
    } finally {
      if (!settled) {
        await inspected;
        watchCommands(undefined);
        await retire(ticket, log);
      }
    }
  } finally {
    if (!settled) await lock.release();
  }
}

/** It ran, or failed trying: either way older events that still wait are obsolete. */
async function retire(ticket: EventTicket | undefined, log: Logger): Promise<void> {
  await ticket?.retire().catch((e: unknown) => log.warn(`could not mark the event done: ${errorText(e)}`));
}

async function retireAndRelease(ticket: EventTicket | undefined, lock: TransitionLock, log: Logger): Promise<void> {
  try {
    await retire(ticket, log);
  } finally {
    await lock.release();
  }
}

/** Who holds each selected resource now (for `show` and `status`). */
export async function inspectCluster(ports: Ports, options: Selection = {}): Promise<{ resource: Resource; holding: Holding }[]> {
  const deadline = new Deadline(ports.description.timeouts.transition * 1000);
  const ctx = contextOf(ports, await ports.imds.identity(), deadline);
  const resources = withActingRoles(select(ports.resources ?? resourcesFor(ports.description), options.only), ports.description);
  const holdings = await inspectAll(resources, ctx);
  return resources.map((resource) => ({ resource, holding: holdings.get(resource.name)! }));
}

/**
 * What every resource of one transition (or one inspection) works with: this node, its ENI, the
 * ports; and, for an acquire that will change things, where its steps leave what they read for the
 * later steps (a `show` or a release reads nothing ahead).
 */
function contextOf(ports: Ports, identity: Identity, deadline: Deadline, observe = false): TransitionContext {
  const self = ports.selfFrom?.(identity) ?? findSelf(ports.description, identity.instanceId, identity.localIpv4s);
  return {
    description: ports.description,
    self,
    identity,
    networkInterfaceId: self.networkInterfaceId ?? identity.networkInterfaceId,
    imds: ports.imds,
    ec2: ports.ec2(identity, deadline),
    ...(ports.route53 ? { route53: ports.route53(deadline) } : {}),
    host: ports.host,
    log: ports.log.child({ node: self.name }),
    deadline,
    ...(observe ? { seen: new Observations() } : {}),
    ...(rolesNamed(ports.description).length > 0 ? { asRole: rolePortsOf(ports, identity, deadline) } : {}),
  };
}

/** The ports of each role a resource acts as, built once per role for the transition. */
function rolePortsOf(ports: Ports, identity: Identity, deadline: Deadline): NonNullable<TransitionContext["asRole"]> {
  const built = new Map<string, Pick<TransitionContext, "ec2" | "route53">>();
  return (role) => {
    let mine = built.get(role.roleArn);
    if (!mine) {
      mine = { ec2: ports.ec2(identity, deadline, role), ...(ports.route53 ? { route53: ports.route53(deadline, role) } : {}) };
      built.set(role.roleArn, mine);
    }
    return mine;
  };
}

/** Plan from what inspect found, and (on acquire, with fencing.stopPeerOnTakeover) the nodes that did not hand over. */
async function planWithStops(
  transition: Transition,
  resources: readonly Resource[],
  holdings: Map<string, Holding>,
  ctx: TransitionContext,
): Promise<Plan> {
  const plan = planTransition(transition, resources, holdings);
  if (transition.direction !== "acquire") return plan;
  const peersToStop = await findPeersToStop(ctx, plan.steps);
  return peersToStop.length > 0 ? { ...plan, peersToStop } : plan;
}

async function inspectAll(resources: readonly Resource[], ctx: TransitionContext): Promise<Map<string, Holding>> {
  const holdings = await Promise.all(resources.map((r) => r.inspect({ ...ctx, log: ctx.log.child({ resource: r.name }) })));
  return new Map(resources.map((r, i) => [r.name, holdings[i]!]));
}

export function select(resources: readonly Resource[], only: readonly string[] | undefined): Resource[] {
  if (!only || only.length === 0) return [...resources];
  const unknown = only.filter((o) => !resources.some((r) => r.kind === o || r.name === o));
  if (unknown.length > 0)
    throw new AwsHaError("usage", `--only ${unknown.join(", ")}: no such resource kind or name`, {
      fix: `choose from ${[...new Set(resources.flatMap((r) => [r.kind as string, r.name]))].join(", ")}`,
    });
  return resources.filter((r) => only.includes(r.kind) || only.includes(r.name));
}
