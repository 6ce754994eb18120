// The Route53 port: the four calls a DNS record resource makes. Route53 is a second service beside
// EC2, with its own SDK client, loaded only by a cluster whose description has records
// (route53-sdk.ts, through lazyRoute53): every other cluster starts without it.

export type RecordType = "A" | "AAAA";

/** One record set as Route53 lists it. */
export interface RecordSetView {
  /** As Route53 spells it: lower case, with the trailing dot. */
  name: string;
  type: string;
  ttl?: number;
  values: string[];
  /** An alias, weighted, latency… record: not a plain record aws-ha may rewrite. */
  special?: string;
}

/** A change Route53 accepted, and how far it has spread to its name servers. */
export interface ChangeView {
  id: string;
  status: "PENDING" | "INSYNC";
}

/** The record a resource writes: one name, one type, one value. */
export interface RecordWrite {
  name: string;
  type: RecordType;
  ttl: number;
  value: string;
}

export interface Route53 {
  /** The record set of exactly this name and type, or undefined when the zone has none. */
  readRecord(hostedZoneId: string, name: string, type: RecordType): Promise<RecordSetView | undefined>;
  /** Creates the record or replaces what it held. */
  upsertRecord(hostedZoneId: string, record: RecordWrite): Promise<ChangeView>;
  /**
   * Deletes the record set only while it is exactly `current` (name, type, TTL and values): Route53
   * refuses a DELETE whose values differ, and then this answers "differs" instead of failing.
   */
  deleteRecord(hostedZoneId: string, current: RecordSetView): Promise<ChangeView | "differs">;
  changeStatus(changeId: string): Promise<ChangeView>;
}

/**
 * A Route53 port that builds the real one on its first call: the SDK client is imported then, not
 * when the process starts.
 */
export function lazyRoute53(load: () => Promise<Route53>): Route53 {
  let port: Promise<Route53> | undefined;
  const real = () => (port ??= load());
  return {
    readRecord: async (...args) => (await real()).readRecord(...args),
    upsertRecord: async (...args) => (await real()).upsertRecord(...args),
    deleteRecord: async (...args) => (await real()).deleteRecord(...args),
    changeStatus: async (...args) => (await real()).changeStatus(...args),
  };
}
