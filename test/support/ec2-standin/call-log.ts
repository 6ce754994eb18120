// Every EC2 API call the stand-in answered, in arrival order: what scenarios assert on (no mutating
// call when nothing changed, StopInstances only when fencing was due, faults really met).

export interface Ec2Call {
  /** Epoch ms when the request arrived. */
  at: number;
  action: string;
  /** The error code answered, injected or modelled; absent on success. */
  error?: string;
  /** The instance ids the request names (InstanceId, InstanceId.N). */
  instanceIds: string[];
  /** Every parameter of the request as sent (Action and Version included). */
  params: Record<string, string>;
  /** The principal the signing access key names; absent on an unsigned request. */
  caller?: string;
  dryRun: boolean;
  /** From arrival to answer, injected latency included. */
  durationMs: number;
}

export class CallLog {
  private entries: Ec2Call[] = [];
  private readonly arrived = new Map<string, number>();

  /** A request of `action` arrived; it is recorded once it is answered, after any injected latency. */
  arrival(action: string): void {
    this.arrived.set(action, (this.arrived.get(action) ?? 0) + 1);
  }

  /**
   * How many requests of `action` have arrived, answered or still waiting out an injected latency:
   * a scenario can act while a slowed call is in flight, between its arrival and EC2 acting on it.
   */
  arrivals(action: string): number {
    return this.arrived.get(action) ?? 0;
  }

  record(call: Ec2Call): void {
    this.entries.push(call);
  }

  /**
   * Calls that arrived at or after `since` (epoch ms), in the order the stand-in acted on them: an
   * entry is recorded in the same tick as its action, so injected latency can put it after a later arrival.
   */
  all(since = 0): Ec2Call[] {
    return this.entries.filter((c) => c.at >= since).map((c) => ({ ...c, instanceIds: [...c.instanceIds], params: { ...c.params } }));
  }

  of(action: string, since = 0): Ec2Call[] {
    return this.all(since).filter((c) => c.action === action);
  }

  clear(): void {
    this.entries = [];
    this.arrived.clear();
  }
}
