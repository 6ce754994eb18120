import type { Holding, Resource } from "../kinds/resource";
import { heldPhrase, type PeerStopOutcome, type PeerToStop } from "./stop-on-takeover";
import type { Transition } from "./transition";

/** One resource to act on, with what inspect saw before. */
export interface Step {
  resource: Resource;
  action: "acquire" | "release";
  before: Holding;
}

export interface Plan {
  transition: Transition;
  /** Resources that differ from what the transition wants, in start order. */
  steps: Step[];
  /** Resources already as wanted: no call will be made for them. */
  settled: { resource: Resource; before: Holding }[];
  /** Nodes that did not hand over, to be stopped alongside the steps (fencing.stopPeerOnTakeover). */
  peersToStop?: PeerToStop[];
  /** Once the transition ran: what became of each of peersToStop. */
  peerStops?: PeerStopOutcome[];
}

/**
 * Reconciles desired against actual: acquire what we do not hold, release what we do. A resource
 * that holds nothing inspectable (a hook) always runs; a resource no part of which is ours needs no release.
 */
export function planTransition(transition: Transition, resources: readonly Resource[], holdings: ReadonlyMap<string, Holding>): Plan {
  const steps: Step[] = [];
  const settled: Plan["settled"] = [];
  for (const resource of resources) {
    const before = holdings.get(resource.name)!;
    const wantsAction =
      !resource.inspectable || (transition.direction === "acquire" ? !before.held : before.held || before.partial === true);
    if (wantsAction) steps.push({ resource, action: transition.direction, before });
    else settled.push({ resource, before });
  }
  return { transition, steps, settled };
}

export function describePlan(plan: Plan): string[] {
  const lines = plan.steps.map((s) => `${s.action} ${s.resource.kind} ${s.resource.name}: now ${s.before.detail}`);
  for (const s of plan.settled) lines.push(`keep ${s.resource.kind} ${s.resource.name}: ${s.before.detail}`);
  for (const p of plan.peersToStop ?? [])
    lines.push(
      `stop ${p.node.name} (${p.node.instanceId}) with force${p.delaySeconds > 0 ? ` after ${p.delaySeconds} s, unless it lets go or this node is stopped first` : ""}: it did not hand over ${heldPhrase(p)}`,
    );
  return lines;
}
