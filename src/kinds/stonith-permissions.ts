import { powerPermissions } from "./fencing-permissions";
import { stopsPeers } from "./peer-stop";

// Under Pacemaker the stonith device (fence_aws_ha, or Debian's fence_aws) fences any node from any
// other: off stops the instance, and a reboot starts it again. Both on the nodes' instances only,
// in the FencePeers statement aws-ha's own fencing (fencing-permissions.ts) grants StopInstances in.

/** StopInstances for the stonith device, when aws-ha's own fencing does not grant it already. */
export const stonithStopPermissions = powerPermissions("StopInstances", (d) =>
  d.manager === "pacemaker" && !stopsPeers(d) ? d.nodes : [],
);

/** StartInstances: the `on` half of the stonith device's reboot. */
export const stonithStartPermissions = powerPermissions("StartInstances", (d) => (d.manager === "pacemaker" ? d.nodes : []));
