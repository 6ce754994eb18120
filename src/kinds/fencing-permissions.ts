import type { ClusterNode } from "../cluster/schema";
import type { PermissionTable } from "./permission-table";
import { stopsPeers } from "./peer-stop";

// Fencing is no resource of its own: a volume's or ENI's acquire stops the peer that will not let
// go (peer-handover.ts), when the description turns fencing on, and an acquire stops a peer that did
// not hand over (src/transition/stop-on-takeover.ts), when it turns fencing.stopPeerOnTakeover on.
export const fencingPermissions: PermissionTable<ClusterNode> = {
  subjects: (d) => (stopsPeers(d) ? d.nodes : []),
  rows: [
    { read: "DescribeInstances" },
    {
      action: "StopInstances",
      statement: "FencePeers",
      resources: (_nodes, policy) => policy.instanceArns,
      // A node fences its peers, never itself.
      probes: (node, { self }) =>
        node.instanceId === self.instanceId
          ? []
          : [{ topic: `StopInstances ${node.name}`, request: { action: "StopInstances", instanceId: node.instanceId } }],
    },
  ],
};
