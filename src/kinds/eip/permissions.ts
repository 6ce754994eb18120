import { refusalText } from "../../cloud/ec2-errors";
import type { DryRunAction } from "../../cloud/ec2-port";
import { resourcesOf } from "../kind";
import { ask, isRefusal, ok, unproven } from "../permission-answers";
import type { PermissionTable, PolicyScope, Probe, ProbeScope } from "../permission-table";
import { unique } from "../unique";
import type { EipSpec } from "./schema";

// An Elastic IP is re-pointed by AssociateAddress (with AllowReassociation) and, with release set,
// let go by DisassociateAddress; both name the allocation and the ENI.
export const eipPermissions: PermissionTable<EipSpec> = {
  subjects: (d) => resourcesOf(d, "eip"),
  rows: [
    { read: "DescribeAddresses" },
    { action: "AssociateAddress", statement: "MoveElasticIps", resources: allocationsAndEnis, probes: associateProbe },
    { action: "DisassociateAddress", statement: "MoveElasticIps", resources: allocationsAndEnis },
  ],
};

function allocationsAndEnis(eips: readonly EipSpec[], policy: PolicyScope): string[] {
  return [...unique(eips.map((e) => e.allocationId)).map((a) => policy.arn("elastic-ip", a)), ...policy.eniArns];
}

function associateProbe(eip: EipSpec, { eni, self }: ProbeScope): Probe[] {
  const topic = `AssociateAddress ${eip.name}`;
  const request = {
    action: "AssociateAddress",
    allocationId: eip.allocationId,
    networkInterfaceId: eni,
    privateIp: eip.privateAddress ?? self.address,
  } satisfies DryRunAction;
  return [
    {
      topic,
      request,
      // The private address the Elastic IP goes to (the VIP) is on this ENI only once the node holds
      // it; the permission is for the address and the ENI, whichever of the ENI's addresses is named.
      async whenRefused(refusal, ec2) {
        if (request.privateIp === self.address) return undefined;
        const own = await ask(ec2, { topic, request: { ...request, privateIp: self.address } });
        if (isRefusal(own)) return [unproven(topic, own)];
        if (own.verdict !== "ok") return [own];
        return [
          ok(
            topic,
            `allowed (DryRun to ${self.address}, the node's own address; ` +
              `EC2 refused ${request.privateIp}: ${refusalText(refusal.code, refusal.message)})`,
          ),
        ];
      },
    },
  ];
}
