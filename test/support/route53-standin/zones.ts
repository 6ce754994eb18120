import { randomBytes } from "node:crypto";
import { Route53Error } from "./errors";

// The Route53 world: hosted zones with their record sets, and the changes made to them. A change is
// PENDING when made and INSYNC once `inSyncAfterMs` has passed (Route53 takes "usually under 60
// seconds"); its record sets are what ListResourceRecordSets answers at once, as Route53's API does.

export interface RecordSet {
  /** Lower case, with the trailing dot: how Route53 lists names. */
  name: string;
  type: string;
  ttl: number;
  values: string[];
}

export interface Change {
  action: "CREATE" | "UPSERT" | "DELETE";
  set: RecordSet;
}

export interface ZoneSpec {
  id: string;
  /** The zone's name, example.com. */
  name: string;
  records?: RecordSet[];
}

export interface Route53WorldSpec {
  zones: ZoneSpec[];
  /** How long a change stays PENDING; 0 by default. */
  inSyncAfterMs?: number;
}

interface Zone {
  id: string;
  name: string;
  records: Map<string, RecordSet>;
}

interface ChangeRecord {
  id: string;
  submittedAt: number;
}

export const dnsName = (name: string): string => `${name.toLowerCase().replace(/\.+$/, "")}.`;
const keyOf = (name: string, type: string) => `${dnsName(name)} ${type}`;

/** Route53's order of a zone's record sets: by name with its labels reversed (com.example.db), then by type. */
function listOrder(a: { name: string; type: string }, b: { name: string; type: string }): number {
  const reversed = (n: string) => dnsName(n).slice(0, -1).split(".").reverse().join(".");
  const [ra, rb] = [reversed(a.name), reversed(b.name)];
  return ra < rb ? -1 : ra > rb ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
}

export class Route53World {
  private readonly zones = new Map<string, Zone>();
  private readonly changes = new Map<string, ChangeRecord>();
  inSyncAfterMs: number;

  constructor(
    spec: Route53WorldSpec,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.inSyncAfterMs = spec.inSyncAfterMs ?? 0;
    for (const z of spec.zones) {
      const zone: Zone = { id: z.id, name: dnsName(z.name), records: new Map() };
      for (const r of z.records ?? []) zone.records.set(keyOf(r.name, r.type), { ...r, name: dnsName(r.name), values: [...r.values] });
      this.zones.set(z.id, zone);
    }
  }

  /** The record set of a name and type, as it is now; for scenarios. */
  record(zoneId: string, name: string, type: string): RecordSet | undefined {
    const found = this.zone(zoneId).records.get(keyOf(name, type));
    return found && { ...found, values: [...found.values] };
  }

  /** Sets a record set as an operator would by hand (undefined values: deletes it); makes no change id. */
  setRecord(zoneId: string, set: RecordSet | { name: string; type: string; values: undefined }): void {
    const zone = this.zone(zoneId);
    if (set.values === undefined) zone.records.delete(keyOf(set.name, set.type));
    else zone.records.set(keyOf(set.name, set.type), { ...set, name: dnsName(set.name), values: [...set.values] });
  }

  /** ListResourceRecordSets: from the first set at or after (name, type), at most `maxItems`. */
  list(zoneId: string, start: { name?: string; type?: string }, maxItems: number) {
    const zone = this.zone(zoneId);
    if (start.type !== undefined && start.name === undefined)
      throw new Route53Error("InvalidInput", "The input is not valid: type given without name");
    const sorted = [...zone.records.values()].sort(listOrder);
    const from = start.name === undefined ? 0 : sorted.findIndex((r) => listOrder(r, { name: start.name!, type: start.type ?? "" }) >= 0);
    const rest = from < 0 ? [] : sorted.slice(from);
    const page = rest.slice(0, maxItems);
    const next = rest[maxItems];
    return { sets: page.map((r) => ({ ...r, values: [...r.values] })), next };
  }

  /** ChangeResourceRecordSets: all or nothing, each change judged as Route53 judges it. */
  change(zoneId: string, changes: readonly Change[]): { id: string; status: "PENDING" | "INSYNC"; submittedAt: number } {
    const zone = this.zone(zoneId);
    if (changes.length === 0) throw new Route53Error("InvalidInput", "The input is not valid: a change batch needs at least one change");
    const after = new Map(zone.records);
    const problems: string[] = [];
    for (const { action, set } of changes) {
      const name = dnsName(set.name);
      const where = `[name='${name}', type='${set.type}']`;
      if (name !== zone.name && !name.endsWith(`.${zone.name}`)) {
        problems.push(`RRSet with DNS name ${name} is not permitted in zone ${zone.name}`);
        continue;
      }
      const key = keyOf(name, set.type);
      const current = after.get(key);
      if (action === "CREATE" && current) problems.push(`Tried to create resource record set ${where} but it already exists`);
      else if (action === "DELETE" && !current) problems.push(`Tried to delete resource record set ${where} but it was not found`);
      else if (action === "DELETE" && !sameSet(current!, set))
        problems.push(`Tried to delete resource record set ${where} but the values provided do not match the current values`);
      else if (action === "DELETE") after.delete(key);
      else after.set(key, { ...set, name, values: [...set.values] });
    }
    if (problems.length > 0) throw new Route53Error("InvalidChangeBatch", `[${problems.join(", ")}]`);
    zone.records.clear();
    for (const [k, v] of after) zone.records.set(k, v);
    const id = `C${randomBytes(10).toString("hex").toUpperCase()}`;
    const submittedAt = this.now();
    this.changes.set(id, { id, submittedAt });
    return { id, status: this.statusOf(submittedAt), submittedAt };
  }

  /** GetChange. */
  getChange(id: string): { id: string; status: "PENDING" | "INSYNC"; submittedAt: number } {
    const change = this.changes.get(id);
    if (!change) throw new Route53Error("NoSuchChange", `A change with the specified change ID does not exist: ${id}`, 404);
    return { id, status: this.statusOf(change.submittedAt), submittedAt: change.submittedAt };
  }

  /** Every zone with its record sets, for assertions. */
  snapshot(): { id: string; name: string; records: RecordSet[] }[] {
    return [...this.zones.values()].map((z) => ({ id: z.id, name: z.name, records: [...z.records.values()].sort(listOrder) }));
  }

  private statusOf(submittedAt: number): "PENDING" | "INSYNC" {
    return this.now() - submittedAt >= this.inSyncAfterMs ? "INSYNC" : "PENDING";
  }

  private zone(id: string): Zone {
    const zone = this.zones.get(id);
    if (!zone) throw new Route53Error("NoSuchHostedZone", `No hosted zone found with ID: ${id}`, 404);
    return zone;
  }
}

/** A DELETE matches only the exact set: TTL and values (in any order), as Route53 requires. */
function sameSet(current: RecordSet, given: RecordSet): boolean {
  const sorted = (v: readonly string[]) => [...v].sort().join("\n");
  return current.ttl === given.ttl && sorted(current.values) === sorted(given.values);
}
