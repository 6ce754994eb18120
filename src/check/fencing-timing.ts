import type { ClusterDescription, ClusterNode } from "../cluster/schema";
import type { Finding } from "../kinds/finding";
import { givesBackOnRelease, stopDelaySeconds } from "../transition/stop-on-takeover";

// With fencing.stopPeerOnTakeover, a node that acquires waits its turn (by priority) before it
// stops a peer that did not hand over, then waits up to fencing.stopTimeout for that peer to be
// `stopped`: both inside the one transition deadline. A lower node's turn plus the stop can outlast
// it (the defaults do, with a volume: 20 s + 120 s against 120 s), and the stop is then given up on
// or cut short at the very failover it was meant for; the check says so before that happens.

/** How long this node's transition may spend on a peer that did not hand over, against timeouts.transition. */
export function fencingTimingFindings(d: ClusterDescription, self: ClusterNode): Finding[] {
  if (!d.fencing.stopPeerOnTakeover || !d.resources.some(givesBackOnRelease)) return [];
  const turn = stopDelaySeconds(d, self);
  const needed = turn + d.fencing.stopTimeout;
  const limit = d.timeouts.transition;
  const what = `${self.name} stops a peer that did not hand over after its turn (${turn} s) and waits up to fencing.stopTimeout (${d.fencing.stopTimeout} s) for it`;
  if (needed < limit)
    return [{ verdict: "ok", topic: "fencing", message: `${what}: ${needed} s, within timeouts.transition (${limit} s)` }];
  return [
    {
      verdict: "warn",
      topic: "fencing",
      message:
        `${what}: ${needed} s, not within timeouts.transition (${limit} s), so such a stop may be cut short; ` +
        `raise timeouts.transition above ${needed} s, or lower fencing.stopTimeout or fencing.stopPeerDelay`,
    },
  ];
}
