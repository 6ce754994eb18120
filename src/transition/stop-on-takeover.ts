import type { ClusterDescription, ClusterNode, ResourceSpec } from "../cluster/schema";
import { errorFields, errorText } from "../log";
import { holderName } from "../kinds/holder-name";
import { refusalToStop, stopPeer, stopUnderWay } from "../kinds/peer-stop";
import type { Resource, TransitionContext } from "../kinds/resource";
import type { Step } from "./plan";

// fencing.stopPeerOnTakeover: a node that acquires while another node of the cluster still holds
// what that node's own release would have given back stops it (StopInstances with Force), because
// a node that stopped answering but stays alive goes on acting on stale state (its services run).
//
// What counts as "still held" is only what a release takes back in EC2: an attached volume or ENI
// (release always detaches a volume; an ENI unless its release is off), and a vip, Elastic IP or
// route whose `release` is on. A vip, Elastic IP or route with `release: false` stays where it was
// after a graceful release too, so where it points says nothing about the peer.
//
// Two nodes that both became master (a partition) must not stop each other: each waits its turn by
// priority (the highest none, each lower one fencing.stopPeerDelay longer; all one turn later with a
// volume or ENI, see stopDelaySeconds) and looks again before it stops anyone. By the lower node's
// turn the higher one has usually stopped it, and a node that is no longer running stops nobody.
// The two turns are stopPeerDelay apart: a node whose event comes that much later than the other's
// may still find itself running, which is why the delay must exceed the spread of the nodes' events.
// The stop runs alongside the plan: vips, Elastic IPs and routes move at once; a volume or ENI the
// peer keeps waits for the stop (peer-handover.ts reuses it).

/** Something the peer held at inspect that its own release would have taken back. */
export interface HeldByPeer {
  resource: Resource;
  /** What inspect saw, for the log: "10.0.1.100 on eni-0abc (node-b, i-0b)". */
  detail: string;
}

/** A node that did not hand over, as inspect found it. */
export interface PeerToStop {
  node: ClusterNode;
  held: HeldByPeer[];
  /** How long this node waits, by its priority, before it looks again and stops the peer. */
  delaySeconds: number;
}

/** What became of it: stopped (and confirmed `stopped`), or not, and why not. */
export type PeerStopOutcome = PeerToStop & ({ stopped: true } | { stopped: false; because: string; error?: unknown });

/** Whether the peer's release would have taken the resource back in EC2, so that its holding it shows it did not hand over. */
export function givesBackOnRelease(spec: ResourceSpec): boolean {
  if (spec.kind === "volume") return true;
  if (spec.kind === "eni" || spec.kind === "vip" || spec.kind === "eip" || spec.kind === "route") return spec.release;
  // A service or hook: nothing in EC2 says where it runs.
  return false;
}

/**
 * This node's turn among the nodes to stop a peer: 0 for the highest priority, then 1, 2… in
 * falling priority; nodes of equal priority take their turns in the description's order.
 */
export function turnOf(d: ClusterDescription, self: ClusterNode): number {
  const ordered = d.nodes
    .map((node, index) => ({ node, index }))
    .sort((x, y) => y.node.priority - x.node.priority || x.index - y.index)
    .map(({ node }) => node.instanceId);
  return Math.max(0, ordered.indexOf(self.instanceId));
}

/**
 * Seconds this node waits before it looks again and stops a peer that did not hand over: one
 * stopPeerDelay per node above it. When the description has a volume or an ENI, every turn comes
 * one stopPeerDelay later, the first included: a peer whose release is merely slower than this
 * node's inspect (it unmounts and detaches while this node already acquires, as when keepalived
 * moves the master on a failed check) is then seen to let go, and is not stopped. A vip, Elastic IP
 * or route moves here at once, so waiting could show nothing about them.
 */
export function stopDelaySeconds(d: ClusterDescription, self: ClusterNode): number {
  const grace = d.resources.some((spec) => (spec.kind === "volume" || spec.kind === "eni") && givesBackOnRelease(spec)) ? 1 : 0;
  return (turnOf(d, self) + grace) * d.fencing.stopPeerDelay;
}

/**
 * The nodes to stop, from what inspect saw for the steps to acquire: each other node of the cluster
 * that held something its release would have given back. Nothing unless the description turns
 * fencing.stopPeerOnTakeover on.
 */
export async function findPeersToStop(ctx: TransitionContext, steps: readonly Step[]): Promise<PeerToStop[]> {
  const d = ctx.description;
  if (!d.fencing.stopPeerOnTakeover) return [];
  const specs = new Map(d.resources.map((spec) => [spec.name, spec]));
  const found = new Map<string, PeerToStop>();
  const delaySeconds = stopDelaySeconds(d, ctx.self);
  for (const { resource, action, before } of steps) {
    const spec = specs.get(resource.name);
    if (action !== "acquire" || !resource.inspectable || !spec || !givesBackOnRelease(spec) || before.holder === undefined) continue;
    const instanceId = await instanceBehind(ctx, before.holder);
    if (instanceId === undefined || instanceId === ctx.identity.instanceId) continue;
    const node = d.nodes.find((n) => n.instanceId === instanceId);
    if (!node) {
      ctx.log.info(
        `${resource.kind} ${resource.name} is held by ${instanceId}, which is no node of cluster ${d.cluster}: it is not stopped`,
      );
      continue;
    }
    const peer = found.get(instanceId) ?? { node, held: [], delaySeconds };
    peer.held.push({ resource, detail: before.detail });
    found.set(instanceId, peer);
  }
  return [...found.values()];
}

/** The instance a holder names: an instance id as it is, an ENI (a route's target) by the nodes' ENIs or EC2's description. */
async function instanceBehind(ctx: TransitionContext, holder: string): Promise<string | undefined> {
  if (!holder.startsWith("eni-")) return holder;
  if (holder === ctx.networkInterfaceId) return ctx.identity.instanceId;
  const named = ctx.description.nodes.find(
    (n) => n.networkInterfaceId === holder || n.interfaces.some((i) => i.networkInterfaceId === holder),
  );
  if (named) return named.instanceId;
  return (await ctx.ec2.describeInterface(holder)).instanceId;
}

/** "vip web-vip, eip web-eip". */
export function heldPhrase(peer: PeerToStop): string {
  return peer.held.map((h) => `${h.resource.kind} ${h.resource.name}`).join(", ");
}

/**
 * Stops each peer that did not hand over, each in its turn, alongside the plan's steps. Never
 * throws: a stop that fails, or is called off, is an outcome the closing line reports.
 * `superseded`: whether a newer event arrived for this node meanwhile (it then stops nobody).
 */
export function stopPeersOnTakeover(
  ctx: TransitionContext,
  peers: readonly PeerToStop[],
  superseded: () => Promise<boolean>,
): Promise<PeerStopOutcome[]> {
  return Promise.all(peers.map((peer) => stopOnTakeover(ctx, peer, superseded)));
}

async function stopOnTakeover(ctx: TransitionContext, peer: PeerToStop, superseded: () => Promise<boolean>): Promise<PeerStopOutcome> {
  const log = ctx.log.child({ peer: peer.node.name });
  const who = holderName(ctx, peer.node.instanceId);
  const held = heldPhrase(peer);
  try {
    if (peer.delaySeconds > 0) {
      log.warn(
        `${who} did not hand over: it still held ${held}; this node waits ${peer.delaySeconds} s (its turn by priority), then looks again before it stops it`,
      );
      const waited = await pause(ctx, peer.delaySeconds * 1000);
      if (!waited) return notStopped(log, peer, "the transition's deadline passes before this node's turn (raise timeouts.transition)");
    } else log.warn(`${who} did not hand over: it still held ${held}`);
    const because = await reasonNotToStop(ctx, peer, superseded);
    if (because !== undefined) return notStopped(log, peer, because);
    await stopPeer(ctx, peer.node.instanceId, {
      why: `as it did not hand over: it still held ${held}`,
      resource: `peer ${peer.node.name}`,
      keeps: held,
    });
    log.warn(`${who} is stopped: it did not hand over ${held}`);
    return { ...peer, stopped: true };
  } catch (error) {
    log.error(`stopping ${who} failed: ${errorText(error)}`, errorFields(error));
    return { ...peer, stopped: false, because: `stopping it failed: ${errorText(error)}`, error };
  }
}

function notStopped(log: TransitionContext["log"], peer: PeerToStop, because: string): PeerStopOutcome {
  log.info(`not stopping ${peer.node.name}: ${because}`);
  return { ...peer, stopped: false, because };
}

/**
 * Looks again, at this node's turn: a newer event here, this instance no longer running (another
 * node's turn came first and stopped it), the peer already down, or the peer having let go of every
 * volume and ENI it held (a release that ran late) each call the stop off. A vip, Elastic IP or
 * route this node has taken meanwhile says nothing either way: it moved here at once.
 */
async function reasonNotToStop(ctx: TransitionContext, peer: PeerToStop, superseded: () => Promise<boolean>): Promise<string | undefined> {
  const id = peer.node.instanceId;
  if (await superseded()) return "a newer event arrived for this node meanwhile";
  const refusal = await refusalToStop(ctx, id);
  if (refusal?.reason === "not-running") return `this instance is ${refusal.state}, and only a running instance stops its peer`;
  if (refusal?.reason === "not-a-node") return `${id} is no node of cluster ${ctx.description.cluster}`;
  // A volume's handover stopping it already: the stop is shared, not sent twice.
  if (stopUnderWay(ctx, id)) return undefined;
  const state = (await ctx.ec2.describeInstance(id)).state;
  if (state !== "running") return `it is ${state} already`;
  const attached = peer.held.filter((h) => h.resource.kind === "volume" || h.resource.kind === "eni");
  if (attached.length === 0) return undefined;
  const holdings = await Promise.all(
    attached.map((h) => h.resource.inspect({ ...ctx, log: ctx.log.child({ resource: h.resource.name }) })),
  );
  if (holdings.some((h) => h.holder === id)) return undefined;
  return `it let go of ${attached.map((h) => `${h.resource.kind} ${h.resource.name}`).join(", ")} meanwhile (a handover that ran late)`;
}

/** Waits `ms`, or answers false at once when the transition's deadline would pass first. */
async function pause(ctx: TransitionContext, ms: number): Promise<boolean> {
  if (ctx.deadline.remainingMs() <= ms) return false;
  await new Promise((resolve) => setTimeout(resolve, ms));
  return true;
}
