import { AwsHaError } from "../errors";
import { holderName } from "./holder-name";
import { refusalToStop, stoppedInThisTransition, stopPeer } from "./peer-stop";
import type { TransitionContext } from "./resource";
import { waitAtMost, waitUntil } from "./waits";

// What EC2 attaches to one instance at a time and the peer's OS may still be using (a volume, a
// whole ENI) is taken over the same way: the peer gets fencing.peerReleaseTimeout to let go by
// itself (its own release detaches it); after that it is fenced, if the description allows it and
// this instance is running, and only then force-detached from it. A peer that this transition
// stops anyway (it did not hand over, fencing.stopPeerOnTakeover) is force-detached from once
// it is down, without waiting out the rest of peerReleaseTimeout.

/** Another instance's attachment, as the kind reads it from EC2's description. */
export interface PeerAttachment {
  instanceId: string;
  state: string;
}

export interface Handover<V> {
  /** The resource, for errors: "volume data". */
  resource: string;
  /** Its EC2 id, for the log: "vol-0abc". */
  id: string;
  describe(): Promise<V>;
  /** Another instance's attachment in EC2's description, while there is one. */
  foreign(view: V): PeerAttachment | undefined;
  /** A detach with Force from the (stopped) peer. */
  forceDetach(peerId: string): Promise<void>;
  /** How long that detach may take, and the setting that raises it. */
  detachLimit: { seconds: number; setting: string };
  /** What the operator does by hand when aws-ha does not fence: "detach it by hand once nothing writes to it". */
  byHand: string;
}

/** Returns the description once no other instance has it attached; throws when it cannot get there. */
export async function takeOverFromPeer<V>(ctx: TransitionContext, h: Handover<V>, first: V): Promise<V> {
  let peer = h.foreign(first);
  if (!peer) return first;
  const { fencing } = ctx.description;
  const { resource, id } = h;
  let latest = first;
  const released = await waitAtMost(
    ctx,
    {
      waitingFor: `waiting up to ${fencing.peerReleaseTimeout} s for ${holderName(ctx, peer.instanceId)} to release ${id} (${peer.state})`,
      resource,
      limitMs: fencing.peerReleaseTimeout * 1000,
    },
    async () => {
      latest = await h.describe();
      peer = h.foreign(latest) ?? peer;
      // A peer this transition has stopped already (it did not hand over) lets go of nothing by itself.
      return h.foreign(latest) === undefined || stoppedInThisTransition(ctx, peer!.instanceId);
    },
  );
  if (released && h.foreign(latest) === undefined) return latest;
  // Stopped on takeover: the guards were passed then, and what is left is the forced detach.
  if (!stoppedInThisTransition(ctx, peer.instanceId)) await refuseUnlessFenced(ctx, h, peer);
  await fence(ctx, h, peer.instanceId);
  return h.describe();
}

/** Throws the reason this node does not fence the peer that kept the attachment, if there is one. */
async function refuseUnlessFenced<V>(ctx: TransitionContext, h: Handover<V>, peer: PeerAttachment): Promise<void> {
  const { fencing } = ctx.description;
  const { resource } = h;
  const held = `attached to ${peer.instanceId} (${peer.state}) for ${fencing.peerReleaseTimeout} s`;
  if (!fencing.enabled) throw new AwsHaError("conflict", held, { resource, fix: "enable fencing or detach it by hand" });
  const refusal = await refusalToStop(ctx, peer.instanceId);
  if (refusal?.reason === "not-a-node")
    throw new AwsHaError(
      "conflict",
      `${held}, and ${peer.instanceId} is not a node of cluster ${ctx.description.cluster}, so it is not fenced`,
      { resource, fix: h.byHand },
    );
  if (refusal?.reason === "not-running")
    throw new AwsHaError("conflict", `${held}; this instance is ${refusal.state}, and only a running instance fences its peer`, {
      resource,
      fix: `${h.byHand}, or start the transition on a running node`,
    });
}

/** Stops the peer (or waits for the stop this transition has under way), confirms it is stopped, then force-detaches from it. */
async function fence<V>(ctx: TransitionContext, h: Handover<V>, peerId: string): Promise<void> {
  const { fencing } = ctx.description;
  const { resource, id } = h;
  await stopPeer(ctx, peerId, { why: `as it kept ${id} for ${fencing.peerReleaseTimeout} s`, resource, keeps: id });
  // Only now, with the peer confirmed down, is a forced detach safe: nothing there uses it any more.
  ctx.log.warn(`force-detaching ${id} from ${peerId}`);
  await h.forceDetach(peerId);
  await waitUntil(
    ctx,
    {
      waitingFor: `waiting for ${id} to come free of ${peerId}`,
      resource,
      limitMs: h.detachLimit.seconds * 1000,
      fix: `detach ${id} from ${peerId} by hand, or raise ${h.detachLimit.setting}`,
    },
    async () => h.foreign(await h.describe()) === undefined,
  );
}
