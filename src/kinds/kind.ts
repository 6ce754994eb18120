import type { ClusterDescription, ResourceKind, ResourceSpec } from "../cluster/schema";
import type { Finding } from "./finding";
import type { PermissionTable } from "./permission-table";
import type { PreflightContext } from "./preflight";
import type { Resource } from "./resource";

// A kind of resource is one folder, src/kinds/<kind>/: its schema fragment (schema.ts), its
// Resource (resource.ts), its permissions (permissions.ts), its preflight checks, and an index.ts
// with this object. The registry lists one per kind; the transition, the IAM generator and `check`
// loop over it instead of asking a resource what kind it is.

/**
 * A transition moves the cloud resources first (concurrently, except where one needs another), then
 * runs the hooks on top of them, then starts the services; a release runs the same order backwards.
 */
export const stages = ["cloud", "hook", "service"] as const;
export type Stage = (typeof stages)[number];

export type SpecOf<K extends ResourceKind> = Extract<ResourceSpec, { kind: K }>;

export interface Kind<K extends ResourceKind> {
  readonly stage: Stage;
  /**
   * The resource for one entry of the description. `earlier`: every resource of an earlier stage,
   * which it waits for; a kind may add what else of the description it needs first.
   */
  create(spec: SpecOf<K>, earlier: readonly string[], d: ClusterDescription): Resource;
  /** What the node's role must allow for resources of this kind, and how `check` proves it. */
  readonly permissions: PermissionTable<SpecOf<K>>;
  /** What `check` finds out about this kind's resources before a failover needs them (not the permissions). */
  preflight?(ctx: PreflightContext, specs: readonly SpecOf<K>[]): Promise<Finding[]>;
}

/** The resources of one kind in the description, in its order. */
export function resourcesOf<K extends ResourceKind>(d: ClusterDescription, kind: K): SpecOf<K>[] {
  return d.resources.filter((r): r is SpecOf<K> => r.kind === kind);
}
