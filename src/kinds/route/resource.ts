import type { RouteSpec } from "./schema";
import type { RouteView } from "../../cloud/ec2-port";
import { bitsOf, familyOf } from "../../cluster/ip-addresses";
import { addLocalAddress, localAddressState, localNote, removeLocalAddress } from "../local-address";
import { nicDuring, type NodeNic } from "../node-nic";
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
    const nic = await this.nic(ctx);
    const [routes, local] = await Promise.all([
      this.describe(ctx),
      localAddressState(ctx, nic.name, this.spec.address),
      // An acquire will need the ENI's source/dest check: read it now, beside the tables, not after.
      ctx.seen && ctx.ec2.describeInterface(nic.networkInterfaceId).then((view) => ctx.seen?.inspectedInterface(view)),
    ]);
    ctx.seen?.inspectedRoutes(this.cidr, routes);
    const ours = routes.filter((r) => routedTo(nic, r));
    const all = ours.length === routes.length;
    const targets = [...new Set(routes.map((r) => r.networkInterfaceId ?? "nothing"))];
    return {
      held: all && local !== "missing",
      partial: ours.length > 0 ? !all || local === "missing" : local === "present",
      holder: targets.length === 1 && targets[0] !== "nothing" ? targets[0] : undefined,
      detail: `${this.cidr} → ${routes.map((r) => `${r.networkInterfaceId ?? "nothing"}${r.state === "blackhole" ? " (blackhole)" : ""} in ${r.routeTableId}`).join(", ")}${localNote(nic.name, all, local)}`,
    };
  }

  async acquire(ctx: TransitionContext, before: Holding): Promise<Outcome> {
    if (before.held) return "unchanged";
    const nic = await this.nic(ctx);
    const eni = nic.networkInterfaceId;
    // What inspect read a moment ago (in an acquiring transition), else read now.
    const [view, routes] = await Promise.all([
      ctx.seen?.interfaceSeen(eni) ?? ctx.ec2.describeInterface(eni),
      ctx.seen?.routesSeen(this.cidr) ?? this.describe(ctx),
    ]);
    const elsewhere = routes.filter((r) => !routedTo(nic, r));
    // The ENI forwards packets for an address that is not its own only with the check off: this
    // ENI's check (ModifyInstanceAttribute would fail on an instance with several ENIs). Neither
    // change waits for the other: the route is confirmed, the check's call answers when it is done.
    await Promise.all([
      view.sourceDestCheck && (ctx.log.info(`turning source/dest check off on ${eni}`), ctx.ec2.disableSourceDestCheck(eni)),
      elsewhere.length > 0 && this.pointAt(ctx, nic, elsewhere, before),
    ]);
    await addLocalAddress(ctx, nic.name, this.spec.address, this.hostBits, false);
    return "changed";
  }

  private async pointAt(ctx: TransitionContext, nic: NodeNic, elsewhere: readonly RouteView[], before: Holding): Promise<void> {
    const eni = nic.networkInterfaceId;
    ctx.log.info(`routing ${this.cidr} to ${eni} in ${elsewhere.map((r) => r.routeTableId).join(", ")}`, { was: before.detail });
    await Promise.all(elsewhere.map((r) => ctx.ec2.routeTo(r.routeTableId, this.cidr, eni)));
    await confirm(ctx, `confirming ${this.cidr} is routed to ${eni}`, this.label, async () =>
      (await this.describe(ctx)).every((r) => routedTo(nic, r)),
    );
  }

  async release(ctx: TransitionContext): Promise<Outcome> {
    const nic = await this.nic(ctx);
    let changed = await removeLocalAddress(ctx, nic.name, this.spec.address, this.hostBits);
    if (!this.spec.release) return changed ? "changed" : "unchanged";
    // A table the peer already re-pointed is the peer's now; deleteRouteTo checks again before it deletes.
    const ours = (await this.describe(ctx)).filter((r) => routedTo(nic, r));
    if (ours.length > 0) {
      ctx.log.info(`deleting the route to ${this.cidr} from ${ours.map((r) => r.routeTableId).join(", ")}`);
      const deleted = await Promise.all(ours.map((r) => ctx.ec2.deleteRouteTo(r.routeTableId, this.cidr, nic.networkInterfaceId)));
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

  /** The node interface the route targets here, and its ENI. */
  private nic(ctx: TransitionContext): Promise<NodeNic> {
    return nicDuring(ctx.deadline, ctx, this.spec.interface);
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

/** The route exists and targets this node's ENI for it. */
function routedTo(nic: NodeNic, route: RouteView): boolean {
  return route.exists && route.networkInterfaceId === nic.networkInterfaceId;
}
