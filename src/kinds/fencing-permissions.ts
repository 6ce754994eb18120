import type { ClusterDescription, ClusterNode } from "../cluster/schema";
import type { PermissionTable } from "./permission-table";
import { stopsPeers } from "./peer-stop";

/**
 * Stopping (or starting) the nodes' instances, granted on those instances in the FencePeers
 * statement and proven by a DryRun on each peer: a node fences its peers, never itself.
 */
export function powerPermissions(
  action: "StopInstances" | "StartInstances",
  subjects: (d: ClusterDescription) => readonly ClusterNode[],
): PermissionTable<ClusterNode> {
  return {
    subjects,
    rows: [
      { read: "DescribeInstances" },
      {
        action,
        statement: "FencePeers",
        resources: (_nodes, policy) => policy.instanceArns,
        probes: (node, { self }) =>
          node.instanceId === self.instanceId
            ? []
            : [{ topic: `${action} ${node.name}`, request: { action, instanceId: node.instanceId } }],
      },
    ],
  };
}

// Fencing is no resource of its own: a volume's or ENI's acquire stops the peer that will not let
// go (peer-handover.ts), when the description turns fencing on, and an acquire stops a peer that did
// not hand over (src/transition/stop-on-takeover.ts), when it turns fencing.stopPeerOnTakeover on.
export const fencingPermissions = powerPermissions("StopInstances", (d) => (stopsPeers(d) ? d.nodes : []));
