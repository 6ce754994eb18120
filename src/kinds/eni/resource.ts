import type { EniView } from "../../cloud/ec2-port";
import { AwsHaError } from "../../errors";
import type { Link } from "../../host/host-port";
import { holderName } from "../holder-name";
import type { Holding, Outcome, Resource, TransitionContext } from "../resource";
import { waitUntil } from "../waits";
import { attachmentHere } from "./attachment";
import { takeOverFromPeer } from "./handover";
import type { EniSpec } from "./schema";
import { eniLimitSeconds } from "./spec";

// The OS configures the ENI's addresses, not aws-ha: a secondary ENI in a VPC needs its own DHCP
// lease and source-based routing (replies must leave through the interface they came in on), which
// the distributions' hot-plug tooling sets up for a hot-plugged ENI (amazon-ec2-net-utils, or a
// networkd/netplan match on the MAC). aws-ha attaches it, finds it by its MAC and brings it up.

/** A secondary ENI attached whole to this instance at its device index, and up here. */
export class EniResource implements Resource {
  readonly kind = "eni" as const;
  readonly inspectable = true;
  readonly name: string;

  constructor(
    readonly spec: EniSpec,
    readonly dependsOn: readonly string[] = [],
    /** Where the description declares it, `resources[3]`, for the messages about its fields. */
    private readonly at = "resources[]",
  ) {
    this.name = spec.name;
  }

  async inspect(ctx: TransitionContext): Promise<Holding> {
    const [eni, links] = await Promise.all([this.describe(ctx), ctx.host.links()]);
    const link = links.find((l) => l.mac === eni.macAddress);
    const mine = attachmentHere(eni, ctx.identity.instanceId);
    const held = mine?.state === "attached" && link?.up === true;
    return {
      held,
      // Attached here but down, or still attaching or detaching: acquire completes it, release undoes it.
      partial: !held && mine !== undefined,
      holder: eni.attachment?.instanceId,
      detail: this.detail(ctx, eni, link),
    };
  }

  async acquire(ctx: TransitionContext, before: Holding): Promise<Outcome> {
    if (before.held) return "unchanged";
    let eni = await this.describe(ctx);
    // What would stop the move is found before anything changes: no peer fenced, nothing attached.
    this.checkZone(ctx, eni);
    this.refusePrimary(eni);
    await this.refuseNameTaken(ctx, eni);
    eni = await takeOverFromPeer(ctx, this.spec, eni);
    await this.attachHere(ctx, eni);
    const link = await this.linkHere(ctx, eni.macAddress);
    this.checkName(link);
    if (!link.up) {
      ctx.log.info(`bringing ${link.name} (${this.spec.networkInterfaceId}) up`);
      await ctx.host.setLinkUp(link.name, true);
    }
    return "changed";
  }

  async release(ctx: TransitionContext): Promise<Outcome> {
    const id = this.spec.networkInterfaceId;
    const me = ctx.identity.instanceId;
    const [eni, links] = await Promise.all([this.describe(ctx), ctx.host.links()]);
    const link = links.find((l) => l.mac === eni.macAddress);
    let changed = false;
    if (link?.up) {
      ctx.log.info(`bringing ${link.name} (${id}) down`);
      await ctx.host.setLinkUp(link.name, false);
      changed = true;
    }
    const mine = attachmentHere(eni, me);
    if (!this.spec.release || !mine) return changed ? "changed" : "unchanged";
    if (mine.state === "attaching" || mine.state === "attached") {
      ctx.log.info(`detaching ${id} (${mine.attachmentId}) from this instance`);
      // The adapter reads the attachment again right before it detaches: a peer's is never detached.
      if (!(await ctx.ec2.detachEniFrom(id, me, false))) {
        ctx.log.info(`left ${id} alone: it is no longer attached to this instance`);
        return changed ? "changed" : "unchanged";
      }
    }
    await this.waitUntilDetached(ctx);
    return "changed";
  }

  summary(action: "acquire" | "release"): string {
    const { networkInterfaceId: id, deviceIndex } = this.spec;
    if (action === "acquire") return `eni ${id} attached as device ${deviceIndex}`;
    return this.spec.release ? `eni ${id} detached` : `eni ${id} brought down`;
  }

  private checkZone(ctx: TransitionContext, eni: EniView): void {
    const here = ctx.identity.availabilityZone;
    if (eni.availabilityZone !== here)
      throw new AwsHaError(
        "config",
        `${eni.networkInterfaceId} is in ${eni.availabilityZone} but this node is in ${here}; an ENI attaches only within its own AZ, so nothing was attached`,
        { resource: this.label, fix: `keep the ENI's nodes in ${eni.availabilityZone}, or use an ENI of a subnet in ${here}` },
      );
  }

  /** Device index 0 is an instance's own primary interface: EC2 never detaches it, and it is not ours to move. */
  private refusePrimary(eni: EniView): void {
    if (eni.attachment?.deviceIndex !== 0) return;
    throw new AwsHaError(
      "config",
      `${eni.networkInterfaceId} is the primary interface (device index 0) of ${eni.attachment.instanceId}, which never moves; nothing was attached`,
      { resource: this.label, fix: `name a secondary ENI in ${this.at}.networkInterfaceId` },
    );
  }

  /** The interface name the description expects is already another device's here: the ENI could never appear under it. */
  private async refuseNameTaken(ctx: TransitionContext, eni: EniView): Promise<void> {
    const expected = this.spec.interface;
    if (expected === undefined) return;
    const other = (await ctx.host.links()).find((l) => l.name === expected && l.mac !== eni.macAddress);
    if (!other) return;
    throw new AwsHaError(
      "config",
      `${expected} here is ${other.mac}, not ${eni.networkInterfaceId} (${eni.macAddress}); nothing was attached`,
      { resource: this.label, fix: `correct ${this.at}.interface: the ENI appears under another name` },
    );
  }

  /** The kernel names a hot-plugged interface itself; one under another name than the description's is not brought up. */
  private checkName(link: Link): void {
    const expected = this.spec.interface;
    if (expected === undefined || link.name === expected) return;
    throw new AwsHaError(
      "config",
      `${this.spec.networkInterfaceId} appeared here as ${link.name}, not ${expected}; it stays attached here, ${link.up ? "up" : "down"}`,
      {
        resource: this.label,
        fix: `set ${this.at}.interface to ${link.name}, or have the OS name it ${expected} by its MAC (a systemd .link file or udev rule)`,
      },
    );
  }

  /** Attaches the ENI here, unless it already is, and waits until our attachment is `attached`. */
  private async attachHere(ctx: TransitionContext, eni: EniView): Promise<void> {
    const { networkInterfaceId: id, deviceIndex } = this.spec;
    const me = ctx.identity.instanceId;
    let mine = attachmentHere(eni, me);
    if (mine?.state === "detaching") {
      // A detach of ours from an earlier release is still running: let it finish, then attach anew.
      await this.waitUntilDetached(ctx);
      mine = undefined;
    }
    if (!mine) {
      ctx.log.info(`attaching ${id} as device ${deviceIndex}`);
      await ctx.ec2.attachEni(id, me, deviceIndex);
    } else if (mine.deviceIndex !== deviceIndex) {
      ctx.log.warn(`${id} is attached here as device ${mine.deviceIndex}, not ${deviceIndex}: kept as it is`);
    }
    if (mine?.state === "attached") return;
    await waitUntil(ctx, this.eniWait(ctx, `waiting for ${id} to be attached here`), async () => {
      return attachmentHere(await this.describe(ctx), me)?.state === "attached";
    });
  }

  /** The interface appears a moment after EC2 reports `attached`, under a name the OS chooses. */
  private async linkHere(ctx: TransitionContext, mac: string): Promise<Link> {
    let found: Link | undefined;
    await waitUntil(
      ctx,
      {
        ...this.eniWait(ctx, `waiting for ${this.spec.networkInterfaceId} (${mac}) to appear as an interface here`),
        fix: "check that the kernel sees hot-plugged network interfaces (the ena driver on Nitro), or raise timeouts.eni",
      },
      async () => (found = (await ctx.host.links()).find((l) => l.mac === mac)) !== undefined,
    );
    return found!;
  }

  private waitUntilDetached(ctx: TransitionContext): Promise<void> {
    const id = this.spec.networkInterfaceId;
    return waitUntil(ctx, this.eniWait(ctx, `waiting for ${id} to detach from this instance`), async () => {
      return attachmentHere(await this.describe(ctx), ctx.identity.instanceId) === undefined;
    });
  }

  /** An ENI attaches and detaches within seconds: poll fast, up to timeouts.eni. */
  private eniWait(ctx: TransitionContext, waitingFor: string) {
    return { waitingFor, resource: this.label, limitMs: eniLimitSeconds(ctx.description) * 1000, firstDelayMs: 200, maxDelayMs: 1000 };
  }

  private detail(ctx: TransitionContext, eni: EniView, link: Link | undefined): string {
    const a = eni.attachment;
    const where = a ? `${a.state} to ${holderName(ctx, a.instanceId)} as device ${a.deviceIndex}` : `available in ${eni.availabilityZone}`;
    const here = link ? `, ${link.name} ${link.up ? "up" : "down"} here` : "";
    return `${eni.networkInterfaceId} (${eni.macAddress}) ${where}${here}`;
  }

  private describe(ctx: TransitionContext): Promise<EniView> {
    return ctx.ec2.describeEni(this.spec.networkInterfaceId);
  }

  private get label(): string {
    return `eni ${this.name}`;
  }
}
