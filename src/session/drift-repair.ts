import { errorText } from "../log";
import type { Holding, Resource } from "../kinds/resource";
import type { ResourceKind } from "../cluster/schema";
import { resourcesFor } from "../kinds/registry";
import { lockIsHeld } from "../transition/lock";
import { inspectCluster, runTransition, select, type ArrivedTransition, type Ports } from "../transition/runner";
import { concludeSuperseded, concludeTransition } from "./session";
import { monotonicMs } from "../time/monotonic";

// keepalived tells a node once that it is master; if someone then moves an Elastic IP by hand,
// replaces a route or rewrites a DNS record, nothing tells it again. A resident reader that is
// master looks every so often and takes back what drifted, as the event that made it master would
// have.
//
// The reader runs one thing at a time, so a FIFO event that arrives during a repair runs after it and
// has the last word; an event of another process has a newer ticket and supersedes the repair.
//
// Only what lives in EC2's network or in Route53 is repaired (a record is UPSERTed again, as the
// master event did): a volume detached by hand, or a service stopped, was most likely stopped on
// purpose, and keepalived's own checks watch services. A repair runs as a transition of its own
// (same lock, same record), and it carries the arrival stamp of the event that made this node
// master: any event that arrived later, from any process, supersedes it, and it can never supersede
// one.

const repairedKinds: ReadonlySet<ResourceKind> = new Set<ResourceKind>(["vip", "eip", "route", "eni", "record"]);

/**
 * "superseded": a newer event (of another process) decided the node's state after the one that made
 * this node master; every later look would give way to it again, so the caller stops repairing until
 * its own next event.
 */
export type RepairOutcome = "held" | "repaired" | "failed" | "skipped" | "superseded";

export interface RepairOptions {
  /** The reader's --only. */
  only: readonly string[];
  /** True once something newer wants the node: a queued event, shutdown. The repair then does nothing. */
  overtaken: () => boolean;
}

/** The resources a repair looks at: the network ones and the records of the reader's selection. */
export function repairableResources(ports: Ports, only: readonly string[]): Resource[] {
  return select(ports.resources ?? resourcesFor(ports.description), only).filter((r) => repairedKinds.has(r.kind));
}

/**
 * One look while this node is master (`master`: the event that made it so): when every repairable
 * resource is held here nothing is logged or recorded; otherwise what drifted is acquired again,
 * each repaired resource logged on a line of its own, and the repair recorded as a transition.
 */
export async function repairDrift(ports: Ports, master: ArrivedTransition, options: RepairOptions): Promise<RepairOutcome> {
  const resources = repairableResources(ports, options.only);
  if (resources.length === 0) return "held";
  const log = ports.log.child({ event: "repair" });
  // A transition in progress (a one-shot event, a detached release) decides the node's state: this
  // look is skipped rather than queued behind it, and the next look sees what it left. A lock its
  // owner left behind (killed, or of an earlier boot) holds nothing: the repair takes it over, as
  // any transition would, instead of skipping every look for ever.
  if (await lockIsHeld(ports.description.paths.runDir, ports.description.cluster)) return "skipped";
  const rows = await inspectCluster({ ...ports, resources, log });
  const drifted = rows.filter((r) => !r.holding.held);
  if (drifted.length === 0) return "held";
  if (options.overtaken()) return "skipped";
  const transition: ArrivedTransition = {
    direction: "acquire",
    cause: "repair",
    ...(master.instance ? { instance: master.instance } : {}),
    ...(master.arrival ? { arrival: master.arrival } : {}),
  };
  const started = monotonicMs();
  const names = drifted.map((r) => r.resource.name);
  const report = await runTransition({ ...ports, resources, log }, transition, { only: names }).catch((e: unknown) => {
    log.error(`repair failed: ${errorText(e)}`);
    return undefined;
  });
  if (!report) return "failed";
  if (report.status === "superseded") {
    await concludeSuperseded({ ...ports, log }, transition, report.by.word, monotonicMs() - started);
    return "superseded";
  }
  if (report.status !== "done") return "skipped";
  for (const r of report.results) if (r.outcome === "changed") log.warn(repairLine(r.step.resource, r.step.before, ports));
  const { done } = await concludeTransition({ ...ports, log }, report, monotonicMs() - started, { itemise: true });
  return done ? "repaired" : "failed";
}

/** "repaired web-eip: eip 203.0.113.7 → 10.0.1.100, taken back from node-b (it had drifted: …)". */
function repairLine(resource: Resource, before: Holding, ports: Ports): string {
  const holder = before.holder && (ports.description.nodes.find((n) => n.instanceId === before.holder)?.name ?? before.holder);
  return `repaired ${resource.name}: ${resource.summary("acquire", before)}${holder ? `, taken back from ${holder}` : ""} (it had drifted: ${before.detail})`;
}
