import type { Holding, Resource } from "../kinds/resource";

/** One resource as inspect saw it. */
export interface InspectedRow {
  resource: Resource;
  holding: Holding;
}

/**
 * Whether this node holds what it was asked about: every resource, none, or some. Each front end
 * says it in its own words (LSB "is running"/"is stopped", OCF 0/7/1, updateeip's status line).
 * Resources that hold nothing inspectable (hooks) take no part: they run on every transition.
 * Nothing inspectable at all counts as "none": "running" must never be said of nothing, because
 * Heartbeat reads the text.
 */
export interface HoldingAnswer {
  held: "all" | "none" | "partly";
  /** The inspectable rows this node holds. */
  which: InspectedRow[];
  /** Every inspectable row, held or not. */
  of: InspectedRow[];
}

export function holdingAnswer(rows: readonly InspectedRow[]): HoldingAnswer {
  const of = rows.filter((r) => r.resource.inspectable);
  const which = of.filter((r) => r.holding.held);
  const held = which.length === 0 ? "none" : which.length === of.length ? "all" : "partly";
  return { held, which, of };
}
