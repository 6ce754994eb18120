import { resourcesOf } from "../kind";
import type { PermissionTable } from "../permission-table";
import { unique } from "../unique";
import type { RecordSpec } from "./schema";

// A record is read with ListResourceRecordSets and written with ChangeResourceRecordSets, both
// granted on its hosted zone only; GetChange (on change/*: a change's id is known only once made) only
// where a record waits for INSYNC. A record that follows a vip or an eip asks EC2 who holds it.
// Route53 has no DryRun: `check` proves the read and says the write cannot be proven (preflight.ts).
export const recordPermissions: PermissionTable<RecordSpec> = {
  subjects: (d) => resourcesOf(d, "record"),
  rows: [
    { read: "DescribeNetworkInterfaces" },
    { read: "DescribeAddresses" },
    { service: "route53", action: "ChangeResourceRecordSets", statement: "ChangeDnsRecords", resources: hostedZones },
    { service: "route53", action: "ListResourceRecordSets", statement: "ChangeDnsRecords", resources: hostedZones },
    {
      service: "route53",
      action: "GetChange",
      statement: "WaitForDnsChanges",
      resources: (records) => (records.some((r) => r.waitInSync) ? ["arn:aws:route53:::change/*"] : []),
    },
  ],
};

function hostedZones(records: readonly RecordSpec[]): string[] {
  return unique(records.map((r) => r.hostedZoneId)).map((id) => `arn:aws:route53:::hostedzone/${id}`);
}
