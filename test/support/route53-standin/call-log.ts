// Every Route53 call the stand-in answered, in arrival order: what scenarios assert on (no change
// when nothing moved, a DELETE only while ours, throttled calls tried again).

export interface Route53Call {
  /** Epoch ms when the request arrived. */
  at: number;
  /** The API action: ListResourceRecordSets, ChangeResourceRecordSets, GetChange. */
  action: string;
  /** The error code answered, injected or modelled; absent on success. */
  error?: string;
  /** The hosted zone (or, for GetChange, the change) the path names. */
  about: string;
  /** Who signed it: an assumed role's ARN (a key the STS stand-in issued) or the access key id. */
  caller?: string;
  /** ChangeResourceRecordSets: each change as "UPSERT db.example.com. A 60 10.0.1.10". */
  changes: string[];
}

/** Route53 actions that change a zone. */
export const mutatingActions = new Set(["ChangeResourceRecordSets"]);

/** A call that changed a zone: a mutating action Route53 accepted. */
export const isMutatingCall = (call: Route53Call): boolean => mutatingActions.has(call.action) && call.error === undefined;

export class Route53CallLog {
  private entries: Route53Call[] = [];

  record(call: Route53Call): void {
    this.entries.push(call);
  }

  all(since = 0): Route53Call[] {
    return this.entries.filter((c) => c.at >= since).map((c) => ({ ...c, changes: [...c.changes] }));
  }

  of(action: string, since = 0): Route53Call[] {
    return this.all(since).filter((c) => c.action === action);
  }

  clear(): void {
    this.entries = [];
  }
}
