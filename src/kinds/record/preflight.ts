import { errorText } from "../../log";
import type { Finding } from "../finding";
import type { PreflightContext } from "../preflight";
import type { RecordSpec } from "./schema";
import { dnsName } from "./spec";
import { AwsHaError } from "../../errors";

// Route53 has no DryRun. `check` reads each record the way inspect does, which proves
// route53:ListResourceRecordSets on its zone and that the zone exists; the write
// (ChangeResourceRecordSets, GetChange) can be proven only by making a change, which check never
// does, so it says so as a warning, as the VIP's actions without DryRun do.

export async function recordPreflight(ctx: PreflightContext, records: readonly RecordSpec[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const r of records) {
    const topic = `ListResourceRecordSets ${r.name}`;
    if (!ctx.route53) {
      findings.push({
        verdict: "fail",
        topic: "permission",
        message: `${topic} not proven: this check was started without Route53`,
        kind: "install",
      });
      continue;
    }
    try {
      const now = await ctx.route53.readRecord(r.hostedZoneId, dnsName(r.recordName), r.type);
      findings.push({
        verdict: "ok",
        topic: "permission",
        message: `${topic} allowed (zone ${r.hostedZoneId}: ${dnsName(r.recordName)} ${r.type} ${now ? (now.special ?? now.values.join(", ")) : "not there yet"})`,
      });
      if (now?.special)
        findings.push({
          verdict: "fail",
          topic: "record",
          message: `${dnsName(r.recordName)} ${r.type} is ${now.special}, which aws-ha does not rewrite: delete it or name the resource's record otherwise`,
          kind: "conflict",
        });
    } catch (e) {
      const kind = e instanceof AwsHaError ? e.kind : "cloud";
      findings.push({
        verdict: kind === "permission" || kind === "config" ? "fail" : "warn",
        topic: "permission",
        message: `${topic} ${errorText(e)}`,
        kind,
      });
    }
    const writes = ["ChangeResourceRecordSets", ...(r.waitInSync ? ["GetChange"] : [])].map((a) => `route53:${a}`).join(" and ");
    findings.push({
      verdict: "warn",
      topic: "permission",
      message: `ChangeResourceRecordSets ${r.name} not proven: Route53 has no DryRun, and check changes nothing; make sure the role grants ${writes} on hostedzone/${r.hostedZoneId} (aws-ha-gen iam-policy)`,
    });
  }
  return findings;
}
