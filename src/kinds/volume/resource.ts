import type { VolumeSpec } from "./schema";
import type { VolumeView } from "../../cloud/ec2-port";
import { AwsHaError } from "../../errors";
import type { Mounted } from "../../host/host-port";
import { holderName } from "../holder-name";
import type { Holding, Outcome, Resource, TransitionContext } from "../resource";
import { attachmentOf, holderOf } from "./attachments";
import { takeOverFromPeer } from "./handover";
import { waitUntil } from "../waits";

/** An EBS volume attached to this instance and mounted here; one writer at a time. */
export class VolumeResource implements Resource {
  readonly kind = "volume" as const;
  readonly inspectable = true;
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
    const ours = mount !== undefined && mount.device === (await this.deviceHere(ctx, volume));
    const held = mine?.state === "attached" && ours;
    return {
      held,
      // Another file system on the mount point is no part of this volume: nothing to release.
      partial: !held && mine !== undefined,
      holder: holderOf(volume),
      detail: this.detail(ctx, volume, mount, ours),
    };
  }

  async acquire(ctx: TransitionContext, before: Holding): Promise<Outcome> {
    if (before.held) return "unchanged";
    let volume = await this.describe(ctx);
    this.checkZone(ctx, volume);
    // What would stop the mount is found before anything changes: no attach, no peer fenced, for a
    // volume that cannot be mounted here.
    await ctx.host.checkMountPoint(this.spec.mountPoint);
    await this.refuseForeignMount(ctx, volume);
    volume = await takeOverFromPeer(ctx, this.spec, volume);
    await this.attachHere(ctx, volume);
    await this.mountHere(ctx, await this.blockDevice(ctx));
    return "changed";
  }

  async release(ctx: TransitionContext): Promise<Outcome> {
    const { volumeId, mountPoint, killHolders } = this.spec;
    const volume = await this.describe(ctx);
    const mine = attachmentOf(volume, ctx.identity.instanceId);
    const mount = await ctx.host.mountOf(mountPoint);
    const device = await this.deviceHere(ctx, volume);
    let changed = false;
    if (mount && mount.device === device) {
      ctx.log.info(`unmounting ${mountPoint}${killHolders ? " (killing the processes that use it)" : ""}`);
      // A failed unmount throws here, so the volume stays attached: never detach under a mount.
      await ctx.host.unmount(mountPoint, device, killHolders);
      changed = true;
    } else if (mount) {
      // Someone else's file system on our mount point (or this volume's, on a node that no longer
      // has it): neither it nor the processes that use it are ours to stop.
      ctx.log.warn(`left ${mount.device} on ${mountPoint} alone: it is not ${volumeId}${device ? ` (${device})` : ""}`);
    }
    if (!mine) return changed ? "changed" : "unchanged";
    if (device) await this.refuseDetachWhileMounted(ctx, device);
    if (mine.state === "attaching" || mine.state === "attached") {
      ctx.log.info(`detaching ${volumeId} from this instance`);
      await ctx.ec2.detachVolume(volumeId, ctx.identity.instanceId, false);
    }
    await this.waitUntilDetached(ctx);
    return "changed";
  }

  summary(action: "acquire" | "release"): string {
    return action === "acquire" ? `volume ${this.name} mounted on ${this.spec.mountPoint}` : `volume ${this.name} unmounted and detached`;
  }

  /**
   * The volume's block device on this machine, while EC2 has the volume attached here: the NVMe
   * serial names the volume, but the Xen attach name (the fallback) may belong to another volume
   * once this one is gone.
   */
  private async deviceHere(ctx: TransitionContext, volume: VolumeView): Promise<string | undefined> {
    if (!attachmentOf(volume, ctx.identity.instanceId)) return undefined;
    return ctx.host.findBlockDevice(this.spec.volumeId, this.spec.device, ctx.description.paths.byIdDir);
  }

  private async refuseForeignMount(ctx: TransitionContext, volume: VolumeView): Promise<void> {
    const { mountPoint, volumeId } = this.spec;
    const mount = await ctx.host.mountOf(mountPoint);
    if (!mount || mount.device === (await this.deviceHere(ctx, volume))) return;
    const attached = attachmentOf(volume, ctx.identity.instanceId) !== undefined;
    throw new AwsHaError(
      "host",
      `${mountPoint} has ${mount.device} mounted, not ${volumeId}; ${attached ? `${volumeId} stays attached here, unmounted` : "nothing was attached"}`,
      { resource: this.label, fix: `unmount ${mount.device} from ${mountPoint}, or give the volume another mountPoint` },
    );
  }

  /** Mounted anywhere here (a second mount by hand, one under another file system): never detach. */
  private async refuseDetachWhileMounted(ctx: TransitionContext, device: string): Promise<void> {
    const mountPoints = await ctx.host.mountPointsOf(device);
    if (mountPoints.length === 0) return;
    throw new AwsHaError("host", `${this.spec.volumeId} (${device}) is still mounted on ${mountPoints.join(", ")}, so it is not detached`, {
      resource: this.label,
      fix: `unmount it there (${mountPoints.map((m) => `umount ${m}`).join("; ")}), then release again`,
    });
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

  private detail(ctx: TransitionContext, volume: VolumeView, mount: Mounted | undefined, ours: boolean): string {
    const attachments = volume.attachments.filter((a) => a.state !== "detached");
    const where = attachments.length ? attachments.map((a) => `${a.state} to ${holderName(ctx, a.instanceId)}`).join(", ") : volume.state;
    const mounted = !mount
      ? ""
      : ours
        ? `, mounted on ${this.spec.mountPoint}`
        : `; ${this.spec.mountPoint} has ${mount.device} mounted, not this volume`;
    return `${this.spec.volumeId} ${where}${mounted}`;
  }

  private describe(ctx: TransitionContext): Promise<VolumeView> {
    return ctx.ec2.describeVolume(this.spec.volumeId);
  }

  private get label(): string {
    return `volume ${this.name}`;
  }
}
