import { resourcesOf } from "../kind";
import type { PermissionTable, PolicyScope } from "../permission-table";
import { unique } from "../unique";
import type { VolumeSpec } from "./schema";

// A volume is attached here by AttachVolume and let go by DetachVolume (forced from a fenced peer),
// both naming the volume and an instance; a takeover reads this instance's state first
// (DescribeInstances). Stopping the peer is fencing's own table.
export const volumePermissions: PermissionTable<VolumeSpec> = {
  subjects: (d) => resourcesOf(d, "volume"),
  rows: [
    { read: "DescribeVolumes" },
    { read: "DescribeInstances" },
    {
      action: "AttachVolume",
      statement: "MoveVolumes",
      resources: volumesAndInstances,
      probes: (v, { instanceId }) => [
        { topic: `AttachVolume ${v.name}`, request: { action: "AttachVolume", volumeId: v.volumeId, instanceId, device: v.device } },
      ],
    },
    {
      action: "DetachVolume",
      statement: "MoveVolumes",
      resources: volumesAndInstances,
      probes: (v, { instanceId }) => [
        { topic: `DetachVolume ${v.name}`, request: { action: "DetachVolume", volumeId: v.volumeId, instanceId } },
      ],
    },
  ],
};

function volumesAndInstances(volumes: readonly VolumeSpec[], policy: PolicyScope): string[] {
  return [...unique(volumes.map((v) => v.volumeId)).map((v) => policy.arn("volume", v)), ...policy.instanceArns];
}
