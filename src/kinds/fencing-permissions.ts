import type { ClusterNode } from "../cluster/schema";
import type { PermissionTable } from "./permission-table";

// Fencing is no resource of its own: a volume's acquire stops the peer that will not let go
// (volume/handover.ts), and only when the description turns fencing on.
export const fencingPermissions: PermissionTable<ClusterNode> = {
  subjects: (d) => (d.fencing.enabled ? d.nodes : []),
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
