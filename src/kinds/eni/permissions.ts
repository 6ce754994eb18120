import { resourcesOf } from "../kind";
import type { PermissionTable, PolicyScope, Probe, ProbeScope } from "../permission-table";
import { unique } from "../unique";
import type { EniSpec } from "./schema";

// A whole ENI is attached here by AttachNetworkInterface and let go by DetachNetworkInterface (with
// Force from a fenced peer); IAM judges both on the ENI and on the instance. A takeover reads this
// instance's state first (DescribeInstances); stopping the peer is fencing's own table.
// DetachNetworkInterface is not probed: its request names an attachment id, which exists only while
// some instance holds the ENI, and EC2 refuses an unknown one before it answers for the permission.
export const eniPermissions: PermissionTable<EniSpec> = {
  subjects: (d) => resourcesOf(d, "eni"),
  rows: [
    { read: "DescribeNetworkInterfaces" },
    { read: "DescribeInstances" },
    { action: "AttachNetworkInterface", statement: "MoveNetworkInterfaces", resources: enisAndInstances, probes: attachProbe },
    { action: "DetachNetworkInterface", statement: "MoveNetworkInterfaces", resources: enisAndInstances },
  ],
};

function enisAndInstances(enis: readonly EniSpec[], policy: PolicyScope): string[] {
  return [...unique(enis.map((e) => e.networkInterfaceId)).map((id) => policy.arn("network-interface", id)), ...policy.instanceArns];
}

function attachProbe(eni: EniSpec, { instanceId }: ProbeScope): Probe[] {
  return [
    {
      topic: `AttachNetworkInterface ${eni.name}`,
      request: { action: "AttachNetworkInterface", networkInterfaceId: eni.networkInterfaceId, instanceId, deviceIndex: eni.deviceIndex },
    },
  ];
}
