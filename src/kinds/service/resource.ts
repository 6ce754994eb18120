import type { ServiceSpec } from "./schema";
import type { ServiceRef } from "../../host/host-port";
import type { Holding, Outcome, Resource, TransitionContext } from "../resource";

/** A systemd unit or init script that runs only where the cluster's resources are. */
export class ServiceResource implements Resource {
  readonly kind = "service" as const;
  readonly inspectable = true;
  readonly name: string;
  private readonly ref: ServiceRef;

  constructor(
    readonly spec: ServiceSpec,
    readonly dependsOn: readonly string[] = [],
  ) {
    this.name = spec.name;
    this.ref = spec.unit !== undefined ? { unit: spec.unit } : { initScript: spec.initScript! };
  }

  async inspect(ctx: TransitionContext): Promise<Holding> {
    const active = await ctx.host.serviceActive(this.ref);
    return { held: active, detail: `${this.what} ${active ? "active" : "inactive"}` };
  }

  async acquire(ctx: TransitionContext, before: Holding): Promise<Outcome> {
    if (before.held) return "unchanged";
    ctx.log.info(`starting ${this.what}`);
    await ctx.host.startService(this.ref);
    return "changed";
  }

  async release(ctx: TransitionContext): Promise<Outcome> {
    if (!(await ctx.host.serviceActive(this.ref))) return "unchanged";
    ctx.log.info(`stopping ${this.what}`);
    await ctx.host.stopService(this.ref);
    return "changed";
  }

  summary(action: "acquire" | "release"): string {
    return `service ${this.name} ${action === "acquire" ? "started" : "stopped"}`;
  }

  private get what(): string {
    return "unit" in this.ref ? this.ref.unit : this.ref.initScript;
  }
}
