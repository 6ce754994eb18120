import { z } from "zod";
import { familyOf } from "../../cluster/ip-addresses";
import type { ResourceFragment } from "../../cluster/resource-fragment";
import { releaseFlag, resourceName, seconds } from "../../cluster/schema-primitives";
import { assumeRole } from "../../cluster/schema-primitives";
import type { ConfigProblem } from "../../errors";
import { dnsName, isInZone } from "./spec";

// Route53 shows a zone's id as Z and up to 31 upper-case letters and digits; the console and the CLI
// sometimes print it as /hostedzone/Z…, which is accepted here too (the SDK strips it).
const hostedZoneId = z
  .string()
  .regex(/^(\/hostedzone\/)?Z[A-Z0-9]{1,31}$/, {
    error: (i) => `${JSON.stringify(i.input)} is not a Route53 hosted zone id (Z0123456789ABCDEFGHIJ)`,
  })
  .transform((id) => id.replace(/^\/hostedzone\//, ""));

// Letters, digits, '-' and '_' in labels of at most 63 characters, 253 in all; '*' only as the first label.
const domainName = z
  .string()
  .regex(/^(\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$/, {
    error: (i) => `${JSON.stringify(i.input)} is not a DNS name (labels of letters, digits, '-' and '_', separated by dots)`,
  })
  .max(254, { error: "a DNS name has at most 253 characters" });

/**
 * What the record's one value is: each node's own address (the record moves with the master), the
 * address of a vip of the description, or the public address of an eip of the description.
 */
const pointsAtSchema = z.union([z.literal("node"), z.strictObject({ vip: resourceName }), z.strictObject({ eip: resourceName })]);

const recordSchema = z.strictObject({
  kind: z.literal("record"),
  name: resourceName,
  /** The hosted zone's id, as Route53 shows it. */
  hostedZoneId,
  /** The zone's DNS name (example.com.): the record's name must lie in it. */
  zone: domainName,
  /** The record's DNS name, in the zone (db.example.com.). */
  recordName: domainName,
  type: z.enum(["A", "AAAA"]).default("A"),
  ttl: z.number().int().min(0).max(2147483647).default(60),
  pointsAt: pointsAtSchema.default("node"),
  /** Wait, after each change, until Route53 says every one of its name servers answers with it. */
  waitInSync: z.boolean().default(false),
  /** How long that wait may take, at most (and never past the transition deadline). */
  inSyncTimeout: seconds(3600).default(60),
  release: releaseFlag,
  /** The role to act as for this resource, instead of the cluster's assumeRole (or the node's own credentials). */
  assumeRole: assumeRole.optional(),
});

export type RecordSpec = z.infer<typeof recordSchema>;
export type PointsAt = RecordSpec["pointsAt"];

export const recordFragment: ResourceFragment<typeof recordSchema> = {
  schema: recordSchema,
  problems(d, records) {
    const problems: ConfigProblem[] = [];
    const wants = (type: RecordSpec["type"]) => (type === "A" ? "ipv4" : "ipv6");
    const familyWord = (family: string) => (family === "ipv4" ? "an IPv4 address" : "an IPv6 address");
    const recordWord = (type: RecordSpec["type"]) =>
      type === "A" ? "an A record holds IPv4 addresses" : "an AAAA record holds IPv6 addresses";
    for (const { spec, at } of records) {
      if (!isInZone(spec.recordName, spec.zone))
        problems.push({
          path: `${at}.recordName`,
          message: `${dnsName(spec.recordName)} is a record name outside its zone ${dnsName(spec.zone)}; name the record inside the zone (such as db.${dnsName(spec.zone)}), or give the zone it belongs to`,
        });
      const target = spec.pointsAt;
      if (target === "node") {
        if (spec.type === "AAAA")
          d.nodes.forEach((n, i) => {
            if (n.address6 === undefined)
              problems.push({
                path: `nodes[${i}].address6`,
                message: `node ${n.name} has no IPv6 address, but the AAAA record ${spec.name} (${at}) points at each node's own address: give each node its address6`,
              });
          });
      } else if ("vip" in target) {
        const vip = d.resources.find((r) => r.kind === "vip" && r.name === target.vip);
        if (!vip || vip.kind !== "vip") {
          const vips = d.resources.filter((r) => r.kind === "vip").map((r) => r.name);
          problems.push({
            path: `${at}.pointsAt.vip`,
            message: `${JSON.stringify(target.vip)} is no vip of the description; ${vips.length ? `name one of: ${vips.join(", ")}` : "declare the vip first, or point the record at the node"}`,
          });
        } else if (familyOf(vip.address) !== wants(spec.type))
          problems.push({
            path: `${at}.pointsAt.vip`,
            message: `vip ${vip.name} is ${vip.address}, ${familyWord(familyOf(vip.address) ?? "ipv4")}, and ${recordWord(spec.type)}; use type ${spec.type === "A" ? "AAAA" : "A"} or a vip of the other family`,
          });
      } else {
        const eip = d.resources.find((r) => r.kind === "eip" && r.name === target.eip);
        if (!eip) {
          const eips = d.resources.filter((r) => r.kind === "eip").map((r) => r.name);
          problems.push({
            path: `${at}.pointsAt.eip`,
            message: `${JSON.stringify(target.eip)} is no eip of the description; ${eips.length ? `name one of: ${eips.join(", ")}` : "declare the eip first, or point the record at the node"}`,
          });
        } else if (spec.type === "AAAA")
          problems.push({
            path: `${at}.pointsAt.eip`,
            message: `eip ${eip.name} is a public IPv4 address, and an AAAA record holds IPv6 addresses; use type A`,
          });
      }
      // A record that points at a vip or an eip holds the same value whichever node wrote it: a
      // DELETE of that value cannot tell this node's record from the new master's.
      if (spec.release && target !== "node")
        problems.push({
          path: `${at}.release`,
          message: `record ${spec.name} points at ${"vip" in target ? `vip ${target.vip}` : `eip ${target.eip}`}, the same value on every node, so a release could delete the record the new master just wrote; release a record only with pointsAt: node`,
        });
    }
    // One record set of a name and type per zone: two resources would overwrite each other.
    const seen = new Map<string, string>();
    for (const { spec, at } of records) {
      const key = `${spec.hostedZoneId} ${dnsName(spec.recordName)} ${spec.type}`;
      const other = seen.get(key);
      if (other !== undefined)
        problems.push({
          path: `${at}.recordName`,
          message: `the ${spec.type} record ${dnsName(spec.recordName)} of zone ${spec.hostedZoneId} is also ${other}; each record may be managed once`,
        });
      else seen.set(key, `record ${spec.name}`);
    }
    return problems;
  },
};
