import type { VipSpec } from "./schema";
import { vipPrefix } from "./spec";
import type { InterfaceView } from "../../cloud/ec2-port";
import { familyOf } from "../../cluster/ip-addresses";
import { AwsHaError } from "../../errors";
import { holderName } from "../holder-name";
import { addLocalAddress, localAddressState, localNote, removeLocalAddress } from "../local-address";
import { nicDuring, type NodeNic } from "../node-nic";
import type { Holding, Outcome, Resource, TransitionContext } from "../resource";
import { confirm } from "../waits";

/** A secondary private IPv4, or an IPv6 address, that moves between the nodes' ENIs within one subnet. */
export class VipResource implements Resource {
  readonly kind = "vip" as const;
  readonly inspectable = true;
  readonly name: string;
  private readonly ipv6: boolean;

  constructor(
    readonly spec: VipSpec,
    readonly dependsOn: readonly string[] = [],
  ) {
    this.name = spec.name;
    this.ipv6 = familyOf(spec.address) === "ipv6";
  }

  async inspect(ctx: TransitionContext): Promise<Holding> {
    const nic = await this.nic(ctx);
    const [carrier, local] = await Promise.all([this.carrier(ctx), localAddressState(ctx, nic.name, this.spec.address)]);
    const ours = carrier?.networkInterfaceId === nic.networkInterfaceId;
    const where = carrier
      ? `${this.spec.address} on ${carrier.networkInterfaceId} (${holderName(ctx, carrier.instanceId)})`
      : `${this.spec.address} is on no interface`;
    return {
      held: ours && local !== "missing",
      partial: ours ? local === "missing" : local === "present",
      holder: carrier?.instanceId ?? carrier?.networkInterfaceId,
      detail: `${where}${localNote(nic.name, ours, local)}`,
    };
  }

  async acquire(ctx: TransitionContext, before: Holding): Promise<Outcome> {
    if (before.held) return "unchanged";
    const { address } = this.spec;
    const nic = await this.nic(ctx);
    const eni = nic.networkInterfaceId;
    if (this.ipv6) await this.takeIpv6(ctx, eni, before);
    else {
      ctx.log.info(`assigning ${address} to ${eni}`, { was: before.detail });
      // AllowReassignment: EC2 takes the address from whichever ENI has it, in one call (and assigning
      // an address the ENI already has changes nothing).
      await ctx.ec2.assignPrivateIp(eni, address);
    }
    await confirm(ctx, `confirming ${address} is on ${eni}`, this.label, async () => {
      const carrier = await this.carrier(ctx);
      if (carrier?.networkInterfaceId !== eni) return false;
      // The answer also lists the Elastic IP that came along with the address: the eip reads it there.
      ctx.seen?.confirmedInterface(carrier);
      return true;
    });
    await addLocalAddress(ctx, nic.name, address, vipPrefix(this.spec), true);
    return "changed";
  }

  /**
   * EC2 has no reassignment for IPv6: AssignIpv6Addresses refuses an address another ENI carries.
   * So the address comes off the ENI that holds it now (looked up again, not taken from inspect),
   * then goes onto ours.
   */
  private async takeIpv6(ctx: TransitionContext, eni: string, before: Holding): Promise<void> {
    const { address } = this.spec;
    const carrier = await this.carrier(ctx);
    if (carrier?.networkInterfaceId === eni) return;
    if (carrier) {
      ctx.log.info(`unassigning ${address} from ${carrier.networkInterfaceId} (${holderName(ctx, carrier.instanceId)})`, {
        was: before.detail,
      });
      await ctx.ec2.unassignIpv6(carrier.networkInterfaceId, address);
    }
    ctx.log.info(`assigning ${address} to ${eni}`, carrier ? {} : { was: before.detail });
    try {
      await ctx.ec2.assignIpv6(eni, address);
    } catch (e) {
      // Another ENI took the address between our unassignment and our assignment: another node is
      // acquiring it at the same time, which only the cluster manager can settle.
      if (e instanceof AwsHaError && e.details.awsCode === "InvalidIPAddress.InUse") {
        const now = await this.carrier(ctx);
        throw new AwsHaError(
          "conflict",
          `${address} was taken by ${now ? `${now.networkInterfaceId} (${holderName(ctx, now.instanceId)})` : "another interface"} while this node was moving it`,
          {
            resource: this.name,
            fix: "two nodes are acquiring it at once: check that the cluster manager sees both nodes (one master only), then let it retry",
            awsCode: e.details.awsCode,
          },
          { cause: e },
        );
      }
      throw e;
    }
  }

  async release(ctx: TransitionContext): Promise<Outcome> {
    const { address } = this.spec;
    const nic = await this.nic(ctx);
    let changed = await removeLocalAddress(ctx, nic.name, address, vipPrefix(this.spec));
    if (!this.spec.release) return changed ? "changed" : "unchanged";
    // The peer may have taken the address since inspect: give up only what is still ours.
    const carrier = await this.carrier(ctx);
    if (carrier?.networkInterfaceId === nic.networkInterfaceId) {
      ctx.log.info(`unassigning ${address} from ${nic.networkInterfaceId}`);
      if (this.ipv6) await ctx.ec2.unassignIpv6(nic.networkInterfaceId, address);
      else await ctx.ec2.unassignPrivateIp(nic.networkInterfaceId, address);
      changed = true;
    } else ctx.log.info(`leaving ${address} alone: it is on ${carrier?.networkInterfaceId ?? "no interface"} now`);
    return changed ? "changed" : "unchanged";
  }

  summary(action: "acquire" | "release"): string {
    if (action === "acquire") return `vip ${this.spec.address}`;
    return `vip ${this.spec.address} ${this.spec.release ? "unassigned" : "removed from the interface"}`;
  }

  /** The node interface it goes on here, and its ENI. */
  private nic(ctx: TransitionContext): Promise<NodeNic> {
    return nicDuring(ctx.deadline, ctx, this.spec.interface);
  }

  private carrier(ctx: TransitionContext): Promise<InterfaceView | undefined> {
    return this.ipv6 ? ctx.ec2.findInterfaceByIpv6(this.spec.address) : ctx.ec2.findInterfaceByPrivateIp(this.spec.address);
  }

  private get label(): string {
    return `vip ${this.name}`;
  }
}
