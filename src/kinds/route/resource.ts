import type { RouteSpec } from "./schema";
import type { RouteView } from "../../cloud/ec2-port";
import { bitsOf, familyOf } from "../../cluster/ip-addresses";
import { addLocalAddress, localAddressState, localNote, removeLocalAddress } from "../local-address";
import type { Holding, Outcome, Resource, TransitionContext } from "../resource";
import { confirm } from "../waits";

/** An overlay address outside the VPC CIDR, routed as a /32 (IPv6: a /128) to this node's ENI in every listed table. */
export class RouteResource implements Resource {
  readonly kind = "route" as const;
  readonly inspectable = true;
  readonly name: string;

  constructor(
    readonly spec: RouteSpec,
    readonly dependsOn: readonly string[] = [],
  ) {
    this.name = spec.name;
  }

  async inspect(ctx: TransitionContext): Promise<Holding> {
    const [routes, local] = await Promise.all([this.describe(ctx), localAddressState(ctx, this.spec.address)]);
    const ours = routes.filter((r) => this.targetsUs(ctx, r));
    const all = ours.length === routes.length;
    const targets = [...new Set(routes.map((r) => r.networkInterfaceId ?? "nothing"))];
    return {
      held: all && local !== "missing",
      partial: ours.length > 0 ? !all || local === "missing" : local === "present",
      holder: targets.length === 1 && targets[0] !== "nothing" ? targets[0] : undefined,
      detail: `${this.cidr} → ${routes.map((r) => `${r.networkInterfaceId ?? "nothing"}${r.state === "blackhole" ? " (blackhole)" : ""} in ${r.routeTableId}`).join(", ")}${localNote(ctx, all, local)}`,
    };
  }

  async acquire(ctx: TransitionContext, before: Holding): Promise<Outcome> {
    if (before.held) return "unchanged";
    const eni = ctx.networkInterfaceId;
    const [nic, routes] = await Promise.all([ctx.ec2.describeInterface(eni), this.describe(ctx)]);
    // The ENI forwards packets for an address that is not its own only with the check off.
    if (nic.sourceDestCheck) {
      ctx.log.info(`turning source/dest check off on ${eni}`);
      await ctx.ec2.disableSourceDestCheck(eni);
    }
    const elsewhere = routes.filter((r) => !this.targetsUs(ctx, r));
    if (elsewhere.length > 0) {
      ctx.log.info(`routing ${this.cidr} to ${eni} in ${elsewhere.map((r) => r.routeTableId).join(", ")}`, { was: before.detail });
      await Promise.all(elsewhere.map((r) => ctx.ec2.routeTo(r.routeTableId, this.cidr, eni)));
      await confirm(ctx, `confirming ${this.cidr} is routed to ${eni}`, this.label, async () =>
        (await this.describe(ctx)).every((r) => this.targetsUs(ctx, r)),
      );
    }
    await addLocalAddress(ctx, this.spec.address, this.hostBits, false);
    return "changed";
  }

  async release(ctx: TransitionContext): Promise<Outcome> {
    let changed = await removeLocalAddress(ctx, this.spec.address, this.hostBits);
    if (!this.spec.release) return changed ? "changed" : "unchanged";
    // A table the peer already re-pointed is the peer's now; deleteRouteTo checks again before it deletes.
    const ours = (await this.describe(ctx)).filter((r) => this.targetsUs(ctx, r));
    if (ours.length > 0) {
      ctx.log.info(`deleting the route to ${this.cidr} from ${ours.map((r) => r.routeTableId).join(", ")}`);
      const deleted = await Promise.all(ours.map((r) => ctx.ec2.deleteRouteTo(r.routeTableId, this.cidr, ctx.networkInterfaceId)));
      const kept = ours.filter((_, i) => !deleted[i]);
      if (kept.length > 0) ctx.log.info(`left the route in ${kept.map((r) => r.routeTableId).join(", ")}: it no longer targets this node`);
      changed ||= deleted.some(Boolean);
    }
    return changed ? "changed" : "unchanged";
  }

  summary(action: "acquire" | "release"): string {
    const tables = this.spec.routeTables.join(",");
    if (action === "acquire") return `route ${this.cidr} in ${tables}`;
    return this.spec.release ? `route ${this.cidr} deleted from ${tables}` : `route ${this.cidr} removed from the interface`;
  }

  private targetsUs(ctx: TransitionContext, route: RouteView): boolean {
    return route.exists && route.networkInterfaceId === ctx.networkInterfaceId;
  }

  private describe(ctx: TransitionContext): Promise<RouteView[]> {
    return ctx.ec2.describeRoutes(this.spec.routeTables, this.cidr);
  }

  private get cidr(): string {
    return `${this.spec.address}/${this.hostBits}`;
  }

  /** One host: 32 bits for IPv4, 128 for IPv6. */
  private get hostBits(): number {
    return bitsOf(familyOf(this.spec.address) ?? "ipv4");
  }

  private get label(): string {
    return `route ${this.name}`;
  }
}
