import type { VolumeSpec } from "./schema";
import type { VolumeView } from "../../cloud/ec2-port";
import { AwsHaError } from "../../errors";
import { holderName } from "../holder-name";
import type { TransitionContext } from "../resource";
import { foreignAttachment } from "./attachments";
import { waitAtMost, waitUntil } from "../waits";

// A volume is never attached while another instance has it: two writers corrupt the file system.
// The peer gets fencing.peerReleaseTimeout to let go by itself (its own release unmounts and
// detaches); after that it is fenced, if the description allows it and this instance is running.

/** Returns the volume once no other instance has it attached; throws when it cannot get there. */
export async function takeOverFromPeer(ctx: TransitionContext, spec: VolumeSpec, volume: VolumeView): Promise<VolumeView> {
  const me = ctx.identity.instanceId;
  let peer = foreignAttachment(volume, me);
  if (!peer) return volume;
  const { fencing } = ctx.description;
  const resource = `volume ${spec.name}`;
  let latest = volume;
  const released = await waitAtMost(
    ctx,
    {
      waitingFor: `waiting up to ${fencing.peerReleaseTimeout} s for ${holderName(ctx, peer.instanceId)} to release ${spec.volumeId} (${peer.state})`,
      resource,
      limitMs: fencing.peerReleaseTimeout * 1000,
    },
    async () => {
      latest = await ctx.ec2.describeVolume(spec.volumeId);
      peer = foreignAttachment(latest, me) ?? peer;
      return foreignAttachment(latest, me) === undefined;
    },
  );
  if (released) return latest;

  const held = `attached to ${peer.instanceId} (${peer.state}) for ${fencing.peerReleaseTimeout} s`;
  if (!fencing.enabled) throw new AwsHaError("conflict", held, { resource, fix: "enable fencing or detach it by hand" });
  if (!ctx.description.nodes.some((n) => n.instanceId === peer!.instanceId))
    throw new AwsHaError(
      "conflict",
      `${held}, and ${peer.instanceId} is not a node of cluster ${ctx.description.cluster}, so it is not fenced`,
      {
        resource,
        fix: "detach it by hand once nothing writes to it",
      },
    );
  // A node that is itself stopping (or being fenced) must not take its peer down with it.
  const self = await ctx.ec2.describeInstance(me);
  if (self.state !== "running")
    throw new AwsHaError("conflict", `${held}; this instance is ${self.state}, and only a running instance fences its peer`, {
      resource,
      fix: "detach it by hand once nothing writes to it, or start the transition on a running node",
    });
  await fence(ctx, spec, peer.instanceId);
  return ctx.ec2.describeVolume(spec.volumeId);
}

/** Stops the peer, confirms it is stopped, then force-detaches the volume from it. */
async function fence(ctx: TransitionContext, spec: VolumeSpec, peerId: string): Promise<void> {
  const { fencing, timeouts } = ctx.description;
  const resource = `volume ${spec.name}`;
  const down = (state: string) => state === "stopped" || state === "terminated";
  const peer = await ctx.ec2.describeInstance(peerId);
  if (!down(peer.state)) {
    ctx.log.warn(
      `fencing ${holderName(ctx, peerId)}: stopping it with force, as it kept ${spec.volumeId} for ${fencing.peerReleaseTimeout} s`,
    );
    await ctx.ec2.stopInstance(peerId);
    await waitUntil(
      ctx,
      {
        waitingFor: `waiting up to ${fencing.stopTimeout} s for ${peerId} to stop`,
        resource,
        limitMs: fencing.stopTimeout * 1000,
        firstDelayMs: 500,
        fix: `${peerId} still runs and keeps ${spec.volumeId}: stop it by hand, or raise fencing.stopTimeout`,
      },
      async () => down((await ctx.ec2.describeInstance(peerId)).state),
    );
  }
  // Only now, with the peer confirmed down, is a forced detach safe for the file system.
  ctx.log.warn(`force-detaching ${spec.volumeId} from ${peerId}`);
  await ctx.ec2.detachVolume(spec.volumeId, peerId, true);
  await waitUntil(
    ctx,
    {
      waitingFor: `waiting for ${spec.volumeId} to come free of ${peerId}`,
      resource,
      limitMs: timeouts.volume * 1000,
      fix: `detach ${spec.volumeId} from ${peerId} by hand, or raise timeouts.volume`,
    },
    async () => foreignAttachment(await ctx.ec2.describeVolume(spec.volumeId), ctx.identity.instanceId) === undefined,
  );
}
