import { hostname } from "node:os";
import type { ClusterNode } from "../cluster/schema";
import { errorText } from "../log";
import { movedPhrases, peerStopPhrases } from "../transition/closing-line";
import type { StepResult } from "../transition/execute";
import type { Plan } from "../transition/plan";
import type { Direction } from "../transition/transition";

/** One resource's part in a transition. */
export interface JournalStep {
  name: string;
  kind: string;
  action: Direction;
  outcome: "changed" | "unchanged" | "failed";
  /** Absent when the step was not attempted (a prerequisite failed). */
  ms?: number;
  error?: string;
  /** Whether this node holds the resource afterwards; absent for what holds nothing (hooks). */
  held?: boolean;
}

/**
 * One transition as the journal keeps it, one JSON line each. "incomplete": some steps failed;
 * "failed": it could not run at all (no lock, no identity); "superseded": a newer event arrived
 * while it waited, and it did nothing.
 */
export interface JournalEntry {
  /** When it ended, ISO 8601 UTC. */
  time: string;
  /** The daemon's word (MASTER, backup, start, ocf stop, …). */
  event: string;
  direction: Direction;
  cluster: string;
  /** This node as the description names it (the host name when the node could not be found). */
  node: string;
  outcome: "done" | "incomplete" | "failed" | "superseded";
  ms: number;
  /** What moved, in the closing line's phrases ("vip 10.0.1.100 from node-b"). */
  moved: string[];
  steps: JournalStep[];
  /** Resources that were already as wanted: no step ran for them. */
  kept: { name: string; kind: string; held: boolean }[];
  error?: string;
  /** How many steps the line leaves out to stay within its size (see journal-line.ts). */
  stepsLeftOut?: number;
  /** The newer event's word, for a superseded one. */
  supersededBy?: string;
}

export interface Ran {
  plan: Plan;
  results: readonly StepResult[];
  self: ClusterNode;
}

/** A transition that ran its plan. */
export function entryOfRun(cluster: string, nodes: readonly ClusterNode[], ran: Ran, ms: number, now: Date): JournalEntry {
  const { plan, results, self } = ran;
  const steps = results.map(({ step, outcome, error, ms: took }): JournalStep => {
    const failed = error !== undefined;
    const held = !step.resource.inspectable ? undefined : failed ? step.before.held : step.action === "acquire";
    return {
      name: step.resource.name,
      kind: step.resource.kind,
      action: step.action,
      outcome: failed ? "failed" : (outcome ?? "unchanged"),
      ...(took === undefined ? {} : { ms: took }),
      ...(failed ? { error: errorText(error) } : {}),
      ...(held === undefined ? {} : { held }),
    };
  });
  const failed = steps.filter((s) => s.outcome === "failed").length;
  return {
    time: now.toISOString(),
    event: plan.transition.cause,
    direction: plan.transition.direction,
    cluster,
    node: self.name,
    outcome: failed > 0 ? "incomplete" : "done",
    ms: Math.round(ms),
    moved: [...movedPhrases(results, { nodes, self: self.instanceId }), ...peerStopPhrases(plan)],
    steps,
    kept: plan.settled
      .filter((s) => s.resource.inspectable)
      .map((s) => ({ name: s.resource.name, kind: s.resource.kind, held: s.before.held })),
    ...(failed > 0 ? { error: `${failed} of ${steps.length} steps failed` } : {}),
  };
}

/**
 * A transition that could not run (the lock, IMDS, the description's nodes): nothing is known of its
 * resources. `node`: this node's name when it was found before the failure, else the host's name.
 */
export function entryOfFailure(
  cluster: string,
  transition: { cause: string; direction: Direction },
  ms: number,
  error: unknown,
  now: Date,
  node?: string,
): JournalEntry {
  return { ...bare(cluster, transition, ms, now, node), outcome: "failed", error: errorText(error) };
}

/** A transition skipped because a newer event arrived while it waited for the lock (`node` as for a failure). */
export function entryOfSuperseded(
  cluster: string,
  transition: { cause: string; direction: Direction },
  by: string,
  ms: number,
  now: Date,
  node?: string,
): JournalEntry {
  return { ...bare(cluster, transition, ms, now, node), outcome: "superseded", supersededBy: by };
}

function bare(cluster: string, { cause, direction }: { cause: string; direction: Direction }, ms: number, now: Date, node?: string) {
  return {
    time: now.toISOString(),
    event: cause,
    direction,
    cluster,
    // The description's name for this node, as every entry of a transition that ran says it.
    node: node ?? hostname(),
    ms: Math.round(ms),
    moved: [],
    steps: [],
    kept: [],
  };
}
