import { isMutatingCall } from "../support/ec2-standin/actions";
import type { Ec2Call } from "../support/ec2-standin/call-log";
import type { Ec2Server } from "../support/ec2-standin/server";
import type { Ec2World } from "../support/ec2-standin/world";
import type { SoakNode } from "./cluster";
import { nodeSigning } from "./front-door";
import type { NodeLetter } from "./schedule";

// A release with `release: true` reads a route (or an Elastic IP), sees it still targets this node,
// and removes it. EC2's DeleteRoute names only the destination, and DisassociateAddress an
// association id that moves along with the VIP: neither takes a condition EC2 would check. A peer's
// takeover (ReplaceRoute, AssignPrivateIpAddresses) that EC2 applies between that read and the
// removal is therefore removed with it, and no client can close that window; aws-ha reads right
// before every removal, which shrinks it to one round trip. Such a loss is told apart from a defect
// by the stand-in's call log: who read what, and in which order EC2 acted on the calls.

/** What a read of the contested resources showed: the stand-in's world right after it acted on a call. */
export interface ContestedView {
  /** Route table id → the ENI the contested route targets (undefined: no such route). */
  routes: Record<string, string | undefined>;
  /** The contested Elastic IP's association. */
  eip: { networkInterfaceId: string; privateIp: string; associationId: string } | undefined;
  /** ENI id → its private addresses: which ENIs a filtered DescribeNetworkInterfaces returned. */
  interfaces: Record<string, readonly string[]>;
}

/** One call of the stand-in's log, in the order EC2 acted on it. */
export interface ObservedCall {
  seq: number;
  /** When the stand-in acted on it, in ms since the case started. */
  atMs: number;
  action: string;
  /** The node whose access key signed it. */
  node: NodeLetter | undefined;
  params: Readonly<Record<string, string>>;
  error?: string;
  after: ContestedView;
}

export type Contested = { kind: "route"; routeTableId: string; cidr: string } | { kind: "eip"; allocationId: string; publicIp: string };

export interface LostRace {
  resource: string;
  releaser: SoakNode;
  taker: SoakNode;
  /** The releaser's last read before the removal, which still showed the resource as its own. */
  read: ObservedCall;
  /** The taker's call that moved the resource to it inside the window. */
  taking: ObservedCall;
  /** The releaser's DeleteRoute or DisassociateAddress that removed the taker's resource. */
  loss: ObservedCall;
}

export type Verdict = { race: LostRace } | { why: string };

/** The contested route and Elastic IP as a read would show them now. */
export function viewOf(world: Ec2World, cidr: string, allocationId: string): ContestedView {
  const routes: ContestedView["routes"] = {};
  for (const table of world.routeTables.values())
    routes[table.routeTableId] = table.routes.find((r) => r.destinationCidrBlock === cidr)?.networkInterfaceId;
  const association = world.addresses.get(allocationId)?.association;
  const interfaces: ContestedView["interfaces"] = {};
  for (const eni of world.interfaces.values()) interfaces[eni.networkInterfaceId] = [...eni.privateIps];
  return { routes, eip: association ? { ...association } : undefined, interfaces };
}

/**
 * Records, for every call the stand-in answers from now on, what the contested resources looked like
 * right after it acted on it. The stand-in records a call in the same tick as its action, so that is
 * exactly what a read showed, and the order of the records is the order EC2 acted in.
 */
export function observeCalls(
  server: Ec2Server,
  contested: { cidr: string; allocationId: string },
  now: () => number,
): { initial: ContestedView; calls: ObservedCall[] } {
  const calls: ObservedCall[] = [];
  const log = server.calls;
  const record = log.record.bind(log);
  log.record = (call: Ec2Call) => {
    record(call);
    calls.push({
      seq: calls.length,
      atMs: now(),
      action: call.action,
      node: nodeSigning(call.caller),
      params: call.params,
      ...(call.error === undefined ? {} : { error: call.error }),
      after: viewOf(server.world, contested.cidr, contested.allocationId),
    });
  };
  return { initial: viewOf(server.world, contested.cidr, contested.allocationId), calls };
}

// The two unconditional releases; any other change that leaves the resource with nobody is a defect.
const removals = { route: ["DeleteRoute"], eip: ["DisassociateAddress"] };

function describeContested(what: Contested): string {
  return what.kind === "route" ? `route to ${what.cidr} in ${what.routeTableId}` : `eip ${what.allocationId}`;
}

/**
 * Whether a contested resource the taker should hold was lost to an unconditional release that raced
 * its takeover: the last change to it was a releasing node's DeleteRoute / DisassociateAddress; that
 * node's last read of it before the removal still showed it as the releaser's; and everything that
 * changed it between that read and the removal was the taker taking it. Anything else is a defect,
 * and the answer says why.
 */
export function judgeLoss(
  calls: readonly ObservedCall[],
  initial: ContestedView,
  what: Contested,
  taker: SoakNode,
  nodes: readonly SoakNode[],
): Verdict {
  const resource = describeContested(what);
  const holder = (v: ContestedView) => (what.kind === "route" ? v.routes[what.routeTableId] : v.eip?.networkInterfaceId);
  const state = (v: ContestedView) => JSON.stringify(what.kind === "route" ? (v.routes[what.routeTableId] ?? null) : (v.eip ?? null));
  const nodeName = (letter: NodeLetter | undefined) => nodes.find((n) => n.letter === letter)?.name ?? "an unknown caller";
  const eniName = (eni: string | undefined) => (eni ? (nodes.find((n) => n.networkInterfaceId === eni)?.name ?? eni) : "nobody");
  const at = (c: ObservedCall) => `${c.action} by ${nodeName(c.node)} at ${c.atMs} ms`;

  // Every call that changed the resource, with what it looked like just before.
  const changes: { call: ObservedCall; before: ContestedView }[] = [];
  let previous = initial;
  for (const call of calls) {
    if (state(call.after) !== state(previous)) changes.push({ call, before: previous });
    previous = call.after;
  }
  const last = changes.at(-1);
  if (!last) return { why: `nothing changed the ${resource} during the case` };
  const loss = last.call;
  if (!removals[what.kind].includes(loss.action) || holder(loss.after) !== undefined)
    return { why: `the last change to the ${resource} was ${at(loss)}, not a release removing it` };
  const releaser = nodes.find((n) => n.letter === loss.node);
  if (!releaser) return { why: `${at(loss)} removed it, and no node signed that call` };
  if (releaser === taker) return { why: `${taker.name} removed the ${resource} itself (${at(loss)})` };
  if (holder(last.before) !== taker.networkInterfaceId)
    return { why: `${at(loss)} removed the ${resource} while it went to ${eniName(holder(last.before))}` };

  const read = calls
    .filter((c) => c.seq < loss.seq && c.node === releaser.letter && c.error === undefined)
    .reverse()
    .map((c) => ({ call: c, shown: shownBy(c, what, releaser, eniName) }))
    .find((r) => r.shown !== undefined);
  if (!read?.shown) return { why: `${at(loss)} was sent without a read of the ${resource} before it` };
  if (!read.shown.own) return { why: `${releaser.name}'s last read before ${at(loss)}, ${at(read.call)}, showed ${read.shown.what}` };

  const window = changes.filter((c) => c.call.seq > read.call.seq && c.call.seq < loss.seq).map((c) => c.call);
  // The taker taking it: a call of the taker's that asked EC2 for a change and left the resource with the taker.
  const taking = (c: ObservedCall) =>
    c.node === taker.letter && isMutatingCall({ action: c.action }) && holder(c.after) === taker.networkInterfaceId;
  const stranger = window.find((c) => !taking(c));
  if (stranger || window.length === 0)
    return {
      why: `between ${releaser.name}'s read (${at(read.call)}) and ${at(loss)}, ${stranger ? `${at(stranger)} changed the ${resource}` : "nothing took it"}`,
    };
  return { race: { resource, releaser, taker, read: read.call, taking: window.at(-1)!, loss } };
}

export function formatRace(r: LostRace): string {
  return (
    `${r.resource}: ${r.releaser.name} read it as its own (${r.read.action} at ${r.read.atMs} ms), ` +
    `${r.taker.name} took it (${r.taking.action} at ${r.taking.atMs} ms), ` +
    `then ${r.releaser.name}'s ${r.loss.action} removed ${r.taker.name}'s (at ${r.loss.atMs} ms)`
  );
}

interface Shown {
  /** The resource still targeted the releasing node. */
  own: boolean;
  what: string;
}

/**
 * What a successful call showed of the resource, if it read it at all. A filter this cannot evaluate
 * counts as a read that did not show the releaser's, so that an unclear read never excuses a loss.
 */
function shownBy(call: ObservedCall, what: Contested, releaser: SoakNode, eniName: (eni: string | undefined) => string): Shown | undefined {
  const v = call.after;
  const filters = numbered(call.params, "Filter").filter((k) => k.endsWith(".Name"));
  const hidden: Shown = { own: false, what: "something a filter may have hidden" };
  const named = (eni: string | undefined): Shown => ({ own: eni === releaser.networkInterfaceId, what: `it going to ${eniName(eni)}` });
  if (what.kind === "route") {
    if (call.action !== "DescribeRouteTables") return undefined;
    const tables = numberedValues(call.params, "RouteTableId");
    if (tables.length > 0 && !tables.includes(what.routeTableId)) return undefined;
    if (filters.length > 0) return hidden;
    return named(v.routes[what.routeTableId]);
  }
  if (call.action === "DescribeAddresses") {
    const allocations = numberedValues(call.params, "AllocationId");
    const publicIps = numberedValues(call.params, "PublicIp");
    if (allocations.length + publicIps.length > 0 && !allocations.includes(what.allocationId) && !publicIps.includes(what.publicIp))
      return undefined;
    if (filters.length > 0) return hidden;
    return named(v.eip?.networkInterfaceId);
  }
  if (call.action === "DescribeNetworkInterfaces") {
    // It shows the Elastic IP on the ENI that carries it, or its absence from the releaser's ENI.
    const ids = numberedValues(call.params, "NetworkInterfaceId");
    let returned = ids.length > 0 ? ids.filter((id) => id in v.interfaces) : Object.keys(v.interfaces);
    let unclear = false;
    // Exact values of the filters aws-ha sends are evaluated; wildcards and other names are not.
    for (const key of filters) {
      const name = call.params[key]!;
      const values = numberedValues(call.params, `${key.slice(0, -".Name".length)}.Value`);
      if (values.some((x) => /[*?]/.test(x))) unclear = true;
      else if (name === "network-interface-id") returned = returned.filter((id) => values.includes(id));
      else if (name === "addresses.private-ip-address" || name === "private-ip-address")
        returned = returned.filter((id) => v.interfaces[id]!.some((ip) => values.includes(ip)));
      else unclear = true;
    }
    const carrier = v.eip?.networkInterfaceId;
    const covers = (carrier !== undefined && returned.includes(carrier)) || returned.includes(releaser.networkInterfaceId);
    if (!covers) return undefined;
    if (unclear) return hidden;
    return carrier !== undefined && returned.includes(carrier) ? named(carrier) : { own: false, what: `it not on ${releaser.name}'s ENI` };
  }
  return undefined;
}

/** The keys `prefix.1`, `prefix.2`, … (and their sub-keys) of a Query request. */
function numbered(params: Readonly<Record<string, string>>, prefix: string): string[] {
  return Object.keys(params).filter((k) => new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.\\d+(\\.|$)`).test(k));
}

function numberedValues(params: Readonly<Record<string, string>>, prefix: string): string[] {
  return Object.keys(params)
    .filter((k) => new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.\\d+$`).test(k))
    .map((k) => params[k]!);
}
