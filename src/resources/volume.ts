import type { VolumeSpec } from "../cluster/schema";
import type { VolumeView } from "../cloud/ec2-port";
import { AwsHaError } from "../errors";
import type { Mounted } from "../host/host-port";
import { holderName } from "./holder-name";
import type { Holding, Outcome, Resource, TransitionContext } from "./resource";
import { attachmentOf, holderOf } from "./volume-attachments";
import { takeOverFromPeer } from "./volume-handover";
import { waitUntil } from "./waits";

/** An EBS volume attached to this instance and mounted here; one writer at a time. */
export class VolumeResource implements Resource {
  readonly kind = "volume" as const;
  readonly name: string;

  constructor(
    readonly spec: VolumeSpec,
    readonly dependsOn: readonly string[] = [],
  ) {
    this.name = spec.name;
  }

  async inspect(ctx: TransitionContext): Promise<Holding> {
    const [volume, mount] = await Promise.all([this.describe(ctx), ctx.host.mountOf(this.spec.mountPoint)]);
    const mine = attachmentOf(volume, ctx.identity.instanceId);
    const held = mine?.state === "attached" && mount !== undefined;
    return {
      held,
      partial: !held && (mine !== undefined || mount !== undefined),
      holder: holderOf(volume),
      detail: this.detail(ctx, volume, mount),
    };
  }

  async acquire(ctx: TransitionContext, before: Holding): Promise<Outcome> {
    if (before.held) return "unchanged";
    let volume = await this.describe(ctx);
    this.checkZone(ctx, volume);
    volume = await takeOverFromPeer(ctx, this.spec, volume);
    await this.attachHere(ctx, volume);
    await this.mountHere(ctx, await this.blockDevice(ctx));
    return "changed";
  }

  async release(ctx: TransitionContext): Promise<Outcome> {
    const { volumeId, mountPoint } = this.spec;
    let changed = false;
    if (await ctx.host.mountOf(mountPoint)) {
      ctx.log.info(`unmounting ${mountPoint}${this.spec.killHolders ? " (killing the processes that use it)" : ""}`);
      // A failed unmount throws here, so the volume stays attached: never detach under a mount.
      await ctx.host.unmount(mountPoint, this.spec.killHolders);
      changed = true;
    }
    const mine = attachmentOf(await this.describe(ctx), ctx.identity.instanceId);
    if (!mine) return changed ? "changed" : "unchanged";
    if (mine.state === "attaching" || mine.state === "attached") {
      ctx.log.info(`detaching ${volumeId} from this instance`);
      await ctx.ec2.detachVolume(volumeId, ctx.identity.instanceId, false);
    }
    await this.waitUntilDetached(ctx);
    return "changed";
  }

  private checkZone(ctx: TransitionContext, volume: VolumeView): void {
    const here = ctx.identity.availabilityZone;
    if (volume.availabilityZone !== here)
      throw new AwsHaError(
        "config",
        `${this.spec.volumeId} is in ${volume.availabilityZone} but this node is in ${here}; EBS attaches only within one AZ`,
        {
          resource: this.label,
          fix: `keep the volume's nodes in ${volume.availabilityZone}, or create the volume from a snapshot in ${here}`,
        },
      );
  }

  /** Attaches the volume here, unless it already is, and waits until our attachment is `attached`. */
  private async attachHere(ctx: TransitionContext, volume: VolumeView): Promise<void> {
    const me = ctx.identity.instanceId;
    let mine = attachmentOf(volume, me);
    if (mine?.state === "detaching" || mine?.state === "busy") {
      // A detach of ours from an earlier release is still running: let it finish, then attach anew.
      await this.waitUntilDetached(ctx);
      mine = undefined;
    }
    if (!mine) {
      ctx.log.info(`attaching ${this.spec.volumeId} as ${this.spec.device}`);
      await ctx.ec2.attachVolume(this.spec.volumeId, me, this.spec.device);
    }
    if (mine?.state === "attached") return;
    await waitUntil(ctx, this.volumeWait(ctx, `waiting for ${this.spec.volumeId} to be attached here`), async () => {
      return attachmentOf(await this.describe(ctx), me)?.state === "attached";
    });
  }

  /** udev creates the device node a moment after EC2 reports `attached`. */
  private async blockDevice(ctx: TransitionContext): Promise<string> {
    const { volumeId, device } = this.spec;
    const byIdDir = ctx.description.paths.byIdDir;
    let found: string | undefined;
    await waitUntil(
      ctx,
      {
        ...this.volumeWait(ctx, `waiting for the block device of ${volumeId} (NVMe serial under ${byIdDir}, or ${device})`),
        fix: `check that udev creates the by-id links of EBS volumes, or point paths.byIdDir at them`,
      },
      async () => (found = await ctx.host.findBlockDevice(volumeId, device, byIdDir)) !== undefined,
    );
    return found!;
  }

  private async mountHere(ctx: TransitionContext, device: string): Promise<void> {
    const { mountPoint, fsType, mountOptions } = this.spec;
    const mounted = await ctx.host.mountOf(mountPoint);
    if (mounted?.device === device) return;
    if (mounted)
      throw new AwsHaError("host", `${mountPoint} has ${mounted.device} mounted, not ${this.spec.volumeId} (${device})`, {
        resource: this.label,
        fix: `unmount ${mountPoint}, or give the volume another mountPoint`,
      });
    if (this.spec.fsck) {
      ctx.log.info(`checking the ${fsType} file system on ${device}`);
      await ctx.host.fsck(device, fsType);
    }
    ctx.log.info(`mounting ${device} on ${mountPoint}`);
    await ctx.host.mount(device, mountPoint, fsType, mountOptions);
  }

  private waitUntilDetached(ctx: TransitionContext): Promise<void> {
    return waitUntil(ctx, this.volumeWait(ctx, `waiting for ${this.spec.volumeId} to detach from this instance`), async () => {
      return attachmentOf(await this.describe(ctx), ctx.identity.instanceId) === undefined;
    });
  }

  /** EBS attaches and detaches within a few seconds, mostly: poll fast, up to timeouts.volume. */
  private volumeWait(ctx: TransitionContext, waitingFor: string) {
    return { waitingFor, resource: this.label, limitMs: ctx.description.timeouts.volume * 1000, firstDelayMs: 200, maxDelayMs: 1000 };
  }

  private detail(ctx: TransitionContext, volume: VolumeView, mount: Mounted | undefined): string {
    const attachments = volume.attachments.filter((a) => a.state !== "detached");
    const where = attachments.length ? attachments.map((a) => `${a.state} to ${holderName(ctx, a.instanceId)}`).join(", ") : volume.state;
    return `${this.spec.volumeId} ${where}${mount ? `, mounted on ${this.spec.mountPoint}` : ""}`;
  }

  private describe(ctx: TransitionContext): Promise<VolumeView> {
    return ctx.ec2.describeVolume(this.spec.volumeId);
  }

  private get label(): string {
    return `volume ${this.name}`;
  }
}
