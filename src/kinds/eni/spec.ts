import type { ClusterDescription } from "../../cluster/schema";

// What an ENI's description means beyond its fields, for the code that acts on it: kept apart from
// the schema so that acting on a validated description never builds the schema.

/** timeouts.eni, or its default: how long one attach, detach or appearance of an ENI may take. */
export function eniLimitSeconds(d: ClusterDescription): number {
  return d.timeouts.eni ?? 60;
}
