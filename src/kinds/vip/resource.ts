import type { VipSpec } from "./schema";
import type { InterfaceView } from "../../cloud/ec2-port";
import { holderName } from "../holder-name";
import { addLocalAddress, localAddressState, localNote, removeLocalAddress } from "../local-address";
import type { Holding, Outcome, Resource, TransitionContext } from "../resource";
import { confirm } from "../waits";

/** A secondary private IPv4 that moves between the nodes' ENIs within one subnet. */
export class VipResource implements Resource {
  readonly kind = "vip" as const;
  readonly inspectable = true;
  readonly name: string;

  constructor(
    readonly spec: VipSpec,
    readonly dependsOn: readonly string[] = [],
  ) {
    this.name = spec.name;
  }

  async inspect(ctx: TransitionContext): Promise<Holding> {
    const [carrier, local] = await Promise.all([this.carrier(ctx), localAddressState(ctx, this.spec.address)]);
    const ours = carrier?.networkInterfaceId === ctx.networkInterfaceId;
    const where = carrier
      ? `${this.spec.address} on ${carrier.networkInterfaceId} (${holderName(ctx, carrier.instanceId)})`
      : `${this.spec.address} is on no interface`;
    return {
      held: ours && local !== "missing",
      partial: ours ? local === "missing" : local === "present",
      holder: carrier?.instanceId ?? carrier?.networkInterfaceId,
      detail: `${where}${localNote(ctx, ours, local)}`,
    };
  }

  async acquire(ctx: TransitionContext, before: Holding): Promise<Outcome> {
    if (before.held) return "unchanged";
    const { address, prefix } = this.spec;
    const eni = ctx.networkInterfaceId;
    ctx.log.info(`assigning ${address} to ${eni}`, { was: before.detail });
    // AllowReassignment: EC2 takes the address from whichever ENI has it, in one call (and assigning
    // an address the ENI already has changes nothing).
    await ctx.ec2.assignPrivateIp(eni, address);
    await confirm(ctx, `confirming ${address} is on ${eni}`, this.label, async () => (await this.carrier(ctx))?.networkInterfaceId === eni);
    await addLocalAddress(ctx, address, prefix, true);
    return "changed";
  }

  async release(ctx: TransitionContext): Promise<Outcome> {
    const { address, prefix } = this.spec;
    let changed = await removeLocalAddress(ctx, address, prefix);
    if (!this.spec.release) return changed ? "changed" : "unchanged";
    // The peer may have taken the address since inspect: give up only what is still ours.
    const carrier = await this.carrier(ctx);
    if (carrier?.networkInterfaceId === ctx.networkInterfaceId) {
      ctx.log.info(`unassigning ${address} from ${ctx.networkInterfaceId}`);
      await ctx.ec2.unassignPrivateIp(ctx.networkInterfaceId, address);
      changed = true;
    } else ctx.log.info(`leaving ${address} alone: it is on ${carrier?.networkInterfaceId ?? "no interface"} now`);
    return changed ? "changed" : "unchanged";
  }

  summary(action: "acquire" | "release"): string {
    if (action === "acquire") return `vip ${this.spec.address}`;
    return `vip ${this.spec.address} ${this.spec.release ? "unassigned" : "removed from the interface"}`;
  }

  private carrier(ctx: TransitionContext): Promise<InterfaceView | undefined> {
    return ctx.ec2.findInterfaceByPrivateIp(this.spec.address);
  }

  private get label(): string {
    return `vip ${this.name}`;
  }
}
