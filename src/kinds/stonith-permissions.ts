import type { ClusterNode } from "../cluster/schema";
import { stopsPeers } from "./peer-stop";
import type { PermissionTable } from "./permission-table";

// Under Pacemaker the stonith device (fence_aws_ha, or Debian's fence_aws) fences any node from any
// other: off stops the instance, and a reboot starts it again. Both on the nodes' instances only,
// in the FencePeers statement aws-ha's own fencing (fencing-permissions.ts) grants StopInstances in.

const peersOf = (node: ClusterNode, self: ClusterNode) => node.instanceId !== self.instanceId;

/** StopInstances for the stonith device, when aws-ha's own fencing does not grant it already. */
export const stonithStopPermissions: PermissionTable<ClusterNode> = {
  subjects: (d) => (d.manager === "pacemaker" && !stopsPeers(d) ? d.nodes : []),
  rows: [
    { read: "DescribeInstances" },
    {
      action: "StopInstances",
      statement: "FencePeers",
      resources: (_nodes, policy) => policy.instanceArns,
      probes: (node, { self }) =>
        peersOf(node, self)
          ? [{ topic: `StopInstances ${node.name}`, request: { action: "StopInstances", instanceId: node.instanceId } }]
          : [],
    },
  ],
};

/** StartInstances: the `on` half of the stonith device's reboot. */
export const stonithStartPermissions: PermissionTable<ClusterNode> = {
  subjects: (d) => (d.manager === "pacemaker" ? d.nodes : []),
  rows: [
    { read: "DescribeInstances" },
    {
      action: "StartInstances",
      statement: "FencePeers",
      resources: (_nodes, policy) => policy.instanceArns,
      probes: (node, { self }) =>
        peersOf(node, self)
          ? [{ topic: `StartInstances ${node.name}`, request: { action: "StartInstances", instanceId: node.instanceId } }]
          : [],
    },
  ],
};
