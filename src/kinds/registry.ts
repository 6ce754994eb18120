import type { ClusterDescription, ResourceKind } from "../cluster/schema";
import { eipKind } from "./eip";
import { eniKind } from "./eni";
import { fencingPermissions } from "./fencing-permissions";
import { hookKind } from "./hook";
import { stages, type Kind, type Stage } from "./kind";
import { nodePermissions } from "./node-permissions";
import { recordKind } from "./record";
import type { PermissionTable } from "./permission-table";
import type { Resource } from "./resource";
import { routeKind } from "./route";
import { serviceKind } from "./service";
import { stonithStartPermissions, stonithStopPermissions } from "./stonith-permissions";
import { vipKind } from "./vip";
import { volumeKind } from "./volume";

// Every kind of resource, one line each. Their order is the order of the IAM policy's statements.
const kinds: { readonly [K in ResourceKind]: Kind<K> } = {
  vip: vipKind,
  eip: eipKind,
  route: routeKind,
  volume: volumeKind,
  hook: hookKind,
  service: serviceKind,
  eni: eniKind,
  record: recordKind,
};

export function kindNamed<K extends ResourceKind>(name: K): Kind<K> {
  return kinds[name];
}

/** Each kind with its name, in the registry's order. */
export const registeredKinds: readonly { name: ResourceKind; kind: Kind<ResourceKind> }[] = (Object.keys(kinds) as ResourceKind[]).map(
  (name) => ({ name, kind: kinds[name] as Kind<ResourceKind> }),
);

/** Every table of what a node's role may need: each kind's, fencing's, and what any node reads. */
const permissionTables: readonly PermissionTable<unknown>[] = [
  ...registeredKinds.map(({ kind }) => kind.permissions),
  fencingPermissions,
  stonithStopPermissions,
  stonithStartPermissions,
  nodePermissions,
];

/** The tables the description needs, each with what in it needs them, in the tables' order. */
export function permissionsNeededBy(d: ClusterDescription): { table: PermissionTable<unknown>; subjects: readonly unknown[] }[] {
  return permissionTables.map((table) => ({ table, subjects: table.subjects(d) })).filter((t) => t.subjects.length > 0);
}

/** One resource per entry of the description, in the description's order, with what each waits for. */
export function resourcesFor(d: ClusterDescription): Resource[] {
  // Built once and shared (a resource's dependsOn is read-only): a list per resource would make
  // building quadratic in the number of resources.
  const earlier = new Map<Stage, string[]>(stages.map((s) => [s, []]));
  for (const spec of d.resources) {
    const rank = stages.indexOf(kinds[spec.kind].stage);
    for (const later of stages.slice(rank + 1)) earlier.get(later)!.push(spec.name);
  }
  return d.resources.map((spec) => (kinds[spec.kind] as Kind<ResourceKind>).create(spec, earlier.get(kinds[spec.kind].stage)!, d));
}
