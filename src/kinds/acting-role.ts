import { actingRoleOf, serviceActedIn, type AssumedRole } from "../cloud/roles/acting-role";
import type { ClusterDescription } from "../cluster/schema";
import { Observations } from "./observations";
import type { Holding, Resource, TransitionContext } from "./resource";

// A resource that acts as an assumed role gets that role's port of the service it speaks (EC2, or
// Route53 for a record) in place of the node's, and its own share of what the transition read: an
// ENI or a route read through one role's client is another account's answer, never to be reused
// for a resource of another role.

const seenByRole = new WeakMap<Observations, Map<string, Observations>>();

function seenAs(seen: Observations, roleArn: string): Observations {
  let byRole = seenByRole.get(seen);
  if (!byRole) seenByRole.set(seen, (byRole = new Map()));
  let mine = byRole.get(roleArn);
  if (!mine) byRole.set(roleArn, (mine = new Observations()));
  return mine;
}

function contextAs(ctx: TransitionContext, role: AssumedRole, kind: Resource["kind"]): TransitionContext {
  // A context without the role's ports (a test's fake ports) keeps the node's.
  if (!ctx.asRole) return ctx;
  const ports = ctx.asRole(role);
  // A record acts as the role in Route53 only: the Elastic IP it may point at is the nodes' own.
  if (serviceActedIn(kind) === "route53") return ports.route53 ? { ...ctx, route53: ports.route53 } : ctx;
  return { ...ctx, ec2: ports.ec2, ...(ctx.seen ? { seen: seenAs(ctx.seen, role.roleArn) } : {}) };
}

/** What a resource's own inspect said, behind the holding that names the role (the resource reads its own words). */
const ownHolding = new WeakMap<Holding, Holding>();
const own = (h: Holding): Holding => ownHolding.get(h) ?? h;

/** `resource`, acting as `role`: its calls go through the role's clients, and `show` and the plan name the role. */
export function actingAs(resource: Resource, role: AssumedRole | undefined): Resource {
  if (!role) return resource;
  const named = (h: Holding): Holding => {
    const shown = { ...h, detail: `${h.detail} (as role ${role.roleArn})` };
    ownHolding.set(shown, h);
    return shown;
  };
  return {
    name: resource.name,
    kind: resource.kind,
    dependsOn: resource.dependsOn,
    inspectable: resource.inspectable,
    role: role.roleArn,
    inspect: async (ctx) => named(await resource.inspect(contextAs(ctx, role, resource.kind))),
    acquire: (ctx, before) => resource.acquire(contextAs(ctx, role, resource.kind), own(before)),
    release: (ctx, before) => resource.release(contextAs(ctx, role, resource.kind), own(before)),
    summary: (action, before) => resource.summary(action, own(before)),
  };
}

/** Each resource as the role the description gives it (most act as none, and are returned as they are). */
export function withActingRoles(resources: readonly Resource[], d: ClusterDescription): Resource[] {
  if (!d.assumeRole && !d.resources.some((r) => "assumeRole" in r && r.assumeRole)) return [...resources];
  const specs = new Map(d.resources.map((r) => [r.name, r]));
  return resources.map((r) => {
    const spec = specs.get(r.name);
    return actingAs(r, spec && actingRoleOf(d, spec));
  });
}
