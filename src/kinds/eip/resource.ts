import type { EipSpec } from "./schema";
import type { AddressView } from "../../cloud/ec2-port";
import { holderName } from "../holder-name";
import { interfaceOn } from "../../cluster/node-interfaces";
import { nicDuring } from "../node-nic";
import type { Holding, Outcome, Resource, TransitionContext } from "../resource";
import { confirm } from "../waits";
import { errorText } from "../../log";

/** An Elastic IP association: re-pointed at this node's ENI and private address. */
export class EipResource implements Resource {
  readonly kind = "eip" as const;
  readonly inspectable = true;
  readonly name: string;

  constructor(
    readonly spec: EipSpec,
    readonly dependsOn: readonly string[] = [],
  ) {
    this.name = spec.name;
  }

  async inspect(ctx: TransitionContext): Promise<Holding> {
    const eni = await this.eni(ctx);
    const address = await this.describe(ctx);
    const onOurEni = address.networkInterfaceId === eni;
    const held = onOurEni && address.privateIp === this.privateAddress(ctx);
    const detail = address.associationId
      ? `${address.publicIp} → ${address.privateIp ?? "?"} on ${address.networkInterfaceId ?? "?"} (${holderName(ctx, address.instanceId)})`
      : `${address.publicIp} is not associated`;
    // Our ENI but another private address: not what we want, yet ours to give up.
    return { held, partial: onOurEni && !held, holder: address.instanceId ?? address.networkInterfaceId, detail };
  }

  async acquire(ctx: TransitionContext, before: Holding): Promise<Outcome> {
    if (before.held) return "unchanged";
    const privateIp = this.privateAddress(ctx);
    const eni = await this.eni(ctx);
    // EC2 moves an Elastic IP along with the secondary address it is associated with, so the VIP
    // this one waited for has usually brought it here already: no call (and no permission) needed.
    if (this.dependsOn.length > 0) {
      // The VIP's confirmation read the ENI after the move, associations included: no need to ask again.
      const cameAlong =
        ctx.seen?.associationConfirmed(eni, privateIp, this.spec.allocationId) ||
        (await this.describe(ctx).then((now) => now.networkInterfaceId === eni && now.privateIp === privateIp));
      if (cameAlong) {
        ctx.log.info(`${this.spec.allocationId} came along with ${privateIp}`, { was: before.detail });
        return "unchanged";
      }
    }
    ctx.log.info(`associating ${this.spec.allocationId} with ${privateIp} on ${eni}`, { was: before.detail });
    await ctx.ec2.associateAddress(this.spec.allocationId, eni, privateIp);
    await confirm(ctx, `confirming ${this.spec.allocationId} points at ${privateIp} on ${eni}`, this.label, async () => {
      const now = await this.describe(ctx);
      return now.networkInterfaceId === eni && now.privateIp === privateIp;
    });
    return "changed";
  }

  async release(ctx: TransitionContext): Promise<Outcome> {
    if (!this.spec.release) return "unchanged";
    const eni = await this.eni(ctx);
    // The peer may have re-associated it since inspect: disassociate only an association of ours.
    const now = await this.describe(ctx);
    if (!now.associationId || now.networkInterfaceId !== eni) {
      ctx.log.info(`leaving ${this.spec.allocationId} alone: it points at ${now.networkInterfaceId ?? "nothing"} now`);
      return "unchanged";
    }
    ctx.log.info(`disassociating ${this.spec.allocationId} (${now.associationId}) from ${now.networkInterfaceId}`);
    if (!(await ctx.ec2.disassociateAddressFrom(this.spec.allocationId, eni))) {
      ctx.log.info(`left ${this.spec.allocationId} alone: it no longer points at ${eni}`);
      return "unchanged";
    }
    if (this.spec.privateAddress !== undefined) await this.followMovedAddress(ctx, eni, this.spec.privateAddress);
    return "changed";
  }

  /**
   * An Elastic IP on a VIP moves with the VIP, and its association id with it: a peer's takeover of
   * the VIP that EC2 applied between our last read and our DisassociateAddress had its Elastic IP
   * removed by us (EC2 offers no conditional disassociation), and the peer, which saw it come along,
   * would not notice. So once it is disassociated, where the VIP is now is read: on another ENI, the
   * Elastic IP goes back to it, but only while it is associated nowhere (AllowReassociation off), so
   * that this never takes it from anyone, and only to a peer of the cluster: a VIP moved by hand to
   * an instance outside it is no takeover, and the public address is not sent after it.
   */
  private async followMovedAddress(ctx: TransitionContext, ourEni: string, privateIp: string): Promise<void> {
    try {
      const holder = await ctx.ec2.findInterfaceByPrivateIp(privateIp);
      if (!holder || holder.networkInterfaceId === ourEni) return;
      const peer = ctx.description.nodes.find((n) => n.instanceId === holder.instanceId && n.instanceId !== ctx.identity.instanceId);
      if (!peer) {
        ctx.log.info(
          `${privateIp} is on ${holder.networkInterfaceId} (${holderName(ctx, holder.instanceId)}), no peer of this cluster: ${this.spec.allocationId} stays disassociated`,
        );
        return;
      }
      const where = `${privateIp} on ${holder.networkInterfaceId} (${holderName(ctx, holder.instanceId)})`;
      if (await ctx.ec2.associateAddressIfFree(this.spec.allocationId, holder.networkInterfaceId, privateIp))
        ctx.log.warn(
          `${privateIp} moved to a peer while ${this.spec.allocationId} was being disassociated: associated it with ${where} again`,
        );
      else
        ctx.log.info(
          `${privateIp} moved to ${holder.networkInterfaceId} meanwhile; ${this.spec.allocationId} is associated already, left as it is`,
        );
    } catch (e) {
      // The release itself is done; a peer that holds the VIP re-associates on its next acquire or drift repair.
      ctx.log.warn(`${this.spec.allocationId} disassociated, but whether ${privateIp} moved meanwhile is unknown: ${errorText(e)}`);
    }
  }

  summary(action: "acquire" | "release", before: Holding): string {
    const what = `eip ${this.publicIp(before)}`;
    if (action === "release") return `${what} disassociated`;
    return `${what} → ${this.spec.privateAddress ?? "this node's address"}`;
  }

  /** The public address as inspect saw it (its detail starts with it), else as declared, else the allocation id. */
  private publicIp(before: Holding): string {
    const first = before.detail.split(" ")[0] ?? "";
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(first)) return first;
    return this.spec.publicIp ?? this.spec.allocationId;
  }

  /** The EIP points at a declared VIP, or at each node's own address on its interface (validated to be listed). */
  private privateAddress(ctx: TransitionContext): string {
    return this.spec.privateAddress ?? interfaceOn(ctx.self, this.spec.interface)?.nic.address ?? ctx.self.address;
  }

  /** The ENI of the node interface it is associated with here. */
  private async eni(ctx: TransitionContext): Promise<string> {
    return (await nicDuring(ctx.deadline, ctx, this.spec.interface)).networkInterfaceId;
  }

  private describe(ctx: TransitionContext): Promise<AddressView> {
    return ctx.ec2.describeAddress(this.spec.allocationId);
  }

  private get label(): string {
    return `eip ${this.name}`;
  }
}
