import type { ClusterDescription } from "../cluster/schema";
import type { Deadline } from "../time/deadline";
import { holderName } from "./holder-name";
import type { TransitionContext } from "./resource";
import { waitUntil } from "./waits";

// Stopping a peer instance, as both ways of fencing do it: a volume's or ENI's handover (the peer
// kept the attachment past fencing.peerReleaseTimeout, peer-handover.ts) and the stop on takeover
// (the peer did not hand over, fencing.stopPeerOnTakeover). Both keep the same guards, and within
// one transition a peer is stopped once: whoever asks second waits for the stop under way instead
// of sending another StopInstances.

/** Whether the description lets aws-ha stop peers at all, one way or the other. */
export function stopsPeers(d: ClusterDescription): boolean {
  return d.fencing.enabled || d.fencing.stopPeerOnTakeover;
}

/** Why this node may not stop a peer: it is no node of the cluster, or this instance is not running. */
export type StopRefusal = { reason: "not-a-node" } | { reason: "not-running"; state: string };

/**
 * The guards of every stop: only an instance the description names as a node, and only while this
 * instance runs (a node that is itself stopping, or being fenced, must not take its peer down with
 * it). Undefined when the stop may go ahead.
 */
export async function refusalToStop(ctx: TransitionContext, peerId: string): Promise<StopRefusal | undefined> {
  if (peerId === ctx.identity.instanceId || !ctx.description.nodes.some((n) => n.instanceId === peerId)) return { reason: "not-a-node" };
  const self = await ctx.ec2.describeInstance(ctx.identity.instanceId);
  return self.state === "running" ? undefined : { reason: "not-running", state: self.state };
}

/** What the log and the timeout message say about one stop. */
export interface StopReason {
  /** Completes "stopping it with force, …": "as it kept vol-0abc for 30 s". */
  why: string;
  /** The resource the wait is reported under: "volume data", "fencing". */
  resource: string;
  /** What the peer keeps while it runs, for the timeout's fix: "vol-0abc". */
  keeps: string;
}

export const isDown = (state: string): boolean => state === "stopped" || state === "terminated";

interface StopUnderWay {
  done: Promise<void>;
  confirmed: boolean;
}

// Keyed by the transition's deadline, which every step of one transition shares and no other has.
const stopsByTransition = new WeakMap<Deadline, Map<string, StopUnderWay>>();

function stopsOf(ctx: TransitionContext): Map<string, StopUnderWay> {
  let stops = stopsByTransition.get(ctx.deadline);
  if (!stops) stopsByTransition.set(ctx.deadline, (stops = new Map()));
  return stops;
}

/** True once this transition has stopped the peer and EC2 reports it down. */
export function stoppedInThisTransition(ctx: TransitionContext, peerId: string): boolean {
  return stopsOf(ctx).get(peerId)?.confirmed === true;
}

/** True while (or after) this transition stops the peer. */
export function stopUnderWay(ctx: TransitionContext, peerId: string): boolean {
  return stopsOf(ctx).has(peerId);
}

/**
 * Stops the peer with Force (unless EC2 reports it down already) and waits until it is `stopped`,
 * within fencing.stopTimeout. The caller has checked refusalToStop. A second call for the same peer
 * in the same transition waits for the first one's stop.
 */
export function stopPeer(ctx: TransitionContext, peerId: string, reason: StopReason): Promise<void> {
  const stops = stopsOf(ctx);
  const under = stops.get(peerId);
  if (under) {
    ctx.log.info(`${reason.resource} waits for the stop of ${holderName(ctx, peerId)} this transition has under way`);
    return under.done;
  }
  const stop: StopUnderWay = { done: Promise.resolve(), confirmed: false };
  stop.done = (async () => {
    await stopAndConfirm(ctx, peerId, reason);
    stop.confirmed = true;
  })();
  stops.set(peerId, stop);
  return stop.done;
}

async function stopAndConfirm(ctx: TransitionContext, peerId: string, { why, resource, keeps }: StopReason): Promise<void> {
  const { fencing } = ctx.description;
  const peer = await ctx.ec2.describeInstance(peerId);
  if (isDown(peer.state)) return;
  ctx.log.warn(`fencing ${holderName(ctx, peerId)}: stopping it with force, ${why}`);
  await ctx.ec2.stopInstance(peerId);
  await waitUntil(
    ctx,
    {
      waitingFor: `waiting up to ${fencing.stopTimeout} s for ${peerId} to stop`,
      resource,
      limitMs: fencing.stopTimeout * 1000,
      firstDelayMs: 500,
      fix: `${peerId} still runs and keeps ${keeps}: stop it by hand, or raise fencing.stopTimeout`,
    },
    async () => isDown((await ctx.ec2.describeInstance(peerId)).state),
  );
}
