import type { ClusterNode } from "../cluster/schema";
import type { StepResult } from "./execute";
import type { Plan, Step } from "./plan";
import { heldPhrase } from "./stop-on-takeover";

/**
 * A transition's last log line: what moved where, e.g.
 * `acquire done: vip 10.0.1.100 from db-b, eip 203.0.113.7 → 10.0.1.100 (1.2 s)`.
 * It opens with "acquire done" / "release done" / "… incomplete" because operators and their
 * scripts search the logs for those words. Resources that were already as wanted are not listed.
 */
export function closingLine(
  plan: Plan,
  results: readonly StepResult[],
  whereabouts: { nodes: readonly ClusterNode[]; self: string | undefined; ms: number },
): string {
  const { direction } = plan.transition;
  const seconds = `(${(whereabouts.ms / 1000).toFixed(1)} s)`;
  const moved = movedPhrases(results, whereabouts);
  // The stop of a peer that did not hand over follows what moved, after a semicolon: its phrase has commas of its own.
  const stops = peerStopPhrases(plan)
    .map((p) => `; ${p}`)
    .join("");
  const failed = results.filter((r) => r.error !== undefined).length;
  if (failed > 0)
    return `${direction} incomplete: ${failed} of ${plan.steps.length} steps failed${moved.length > 0 ? `; ${moved.join(", ")}` : ""}${stops} ${seconds}`;
  if (moved.length > 0 || stops !== "") return `${direction} done: ${moved.join(", ") || "nothing moved"}${stops} ${seconds}`;
  const count = plan.steps.length + plan.settled.length;
  const resources = `${count} resource${count === 1 ? "" : "s"}`;
  return direction === "acquire"
    ? `${direction} done: nothing to change (${count === 1 ? "the resource is" : `all ${resources}`} already here) ${seconds}`
    : `${direction} done: nothing to change (${resources}, none to give up) ${seconds}`;
}

/**
 * What became of the nodes that did not hand over (fencing.stopPeerOnTakeover), one phrase each:
 * "node-b stopped (it did not hand over vip web-vip)", "node-b not stopped: it is stopped already".
 */
export function peerStopPhrases(plan: Plan): string[] {
  return (plan.peerStops ?? []).map((p) =>
    p.stopped ? `${p.node.name} stopped (it did not hand over ${heldPhrase(p)})` : `${p.node.name} not stopped: ${p.because}`,
  );
}

/** What moved, one phrase per resource, as the closing line names it ("vip 10.0.1.100 from db-b"); the journal keeps them. */
export function movedPhrases(
  results: readonly StepResult[],
  whereabouts: { nodes: readonly ClusterNode[]; self: string | undefined },
): string[] {
  return results.filter((r) => r.error === undefined && hasMoved(r)).map((r) => movedText(r.step, whereabouts));
}

/**
 * A changed step moved something. An acquire that changed nothing yet succeeded moved too, when
 * its resource can be inspected: it differed before and is here now (an Elastic IP that EC2 moved
 * along with its VIP). A release that changed nothing left the resource where it was.
 */
function hasMoved({ step, outcome }: StepResult): boolean {
  return outcome === "changed" || (step.action === "acquire" && step.resource.inspectable);
}

function movedText(step: Step, { nodes, self }: { nodes: readonly ClusterNode[]; self: string | undefined }): string {
  const what = step.resource.summary(step.action, step.before);
  const holder = step.before.holder;
  if (step.action !== "acquire" || holder === undefined || holder === self) return what;
  const from = nodes.find((n) => n.instanceId === holder || n.networkInterfaceId === holder);
  return from && from.instanceId !== self ? `${what} from ${from.name}` : what;
}
