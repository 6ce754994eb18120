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
  dryRun: boolean;
  /** From arrival to answer, injected latency included. */
  durationMs: number;
}

export class CallLog {
  private entries: Ec2Call[] = [];

  record(call: Ec2Call): void {
    this.entries.push(call);
  }

  /** Calls that arrived at or after `since` (epoch ms). */
  all(since = 0): Ec2Call[] {
    return this.entries.filter((c) => c.at >= since).map((c) => ({ ...c, instanceIds: [...c.instanceIds] }));
  }

  of(action: string, since = 0): Ec2Call[] {
    return this.all(since).filter((c) => c.action === action);
  }

  clear(): void {
    this.entries = [];
  }
}
