import { Ec2Error } from "./errors";

// Trouble the stand-in can be told to make, on top of the EC2 behaviour it models: slow answers,
// throttling and server errors for the next N calls, and actions the caller's IAM policy denies.

export type Ec2Fault =
  /** Every matching call waits this long before it is served (added to any other latency). */
  | { kind: "latency"; ms: number; action?: string }
  /** The next `count` matching calls get RequestLimitExceeded (503). */
  | { kind: "throttle"; count: number; action?: string }
  /** The next `count` matching calls get InternalError (500, the default) or Unavailable (503). */
  | { kind: "server-error"; count: number; action?: string; code?: "InternalError" | "Unavailable" }
  /** These actions answer UnauthorizedOperation, DryRun or not, until the faults are cleared. */
  | { kind: "deny"; actions: string[] }
  /**
   * A kept-alive connection left idle this long is closed by the server, without a Keep-Alive hint
   * (as a load balancer or NAT drops one): the client's next call must open a new one.
   */
  | { kind: "idle-close"; ms: number };

interface QueuedFailure {
  kind: "throttle" | "server-error";
  action: string | undefined;
  remaining: number;
  code: "RequestLimitExceeded" | "InternalError" | "Unavailable";
}

export interface FaultState {
  latencyMs: number;
  latencyByAction: Record<string, number>;
  queued: { kind: string; action?: string; remaining: number; code: string }[];
  denied: string[];
  idleCloseMs?: number;
}

export class Faults {
  private latencyMs = 0;
  private readonly latencyByAction = new Map<string, number>();
  private queued: QueuedFailure[] = [];
  private readonly denied = new Set<string>();
  private idleCloseAfterMs: number | undefined;

  inject(fault: Ec2Fault): void {
    switch (fault.kind) {
      case "latency":
        if (!(fault.ms >= 0)) throw new Error(`latency fault needs ms >= 0, got ${fault.ms}`);
        if (fault.action === undefined) this.latencyMs += fault.ms;
        else this.latencyByAction.set(fault.action, (this.latencyByAction.get(fault.action) ?? 0) + fault.ms);
        return;
      case "throttle":
      case "server-error": {
        if (!(fault.count > 0)) throw new Error(`${fault.kind} fault needs count > 0, got ${fault.count}`);
        const code = fault.kind === "throttle" ? "RequestLimitExceeded" : (fault.code ?? "InternalError");
        this.queued.push({ kind: fault.kind, action: fault.action, remaining: fault.count, code });
        return;
      }
      case "deny":
        for (const action of fault.actions) this.denied.add(action);
        return;
      case "idle-close":
        if (!(fault.ms > 0)) throw new Error(`idle-close fault needs ms > 0, got ${fault.ms}`);
        this.idleCloseAfterMs = fault.ms;
        return;
      default:
        throw new Error(`unknown fault ${JSON.stringify(fault)}`);
    }
  }

  clear(): void {
    this.latencyMs = 0;
    this.latencyByAction.clear();
    this.queued = [];
    this.denied.clear();
    this.idleCloseAfterMs = undefined;
  }

  /** How long a kept-alive connection may stay idle before the server closes it; undefined: as long as Node's server keeps it. */
  idleCloseMs(): number | undefined {
    return this.idleCloseAfterMs;
  }

  latencyFor(action: string): number {
    return this.latencyMs + (this.latencyByAction.get(action) ?? 0);
  }

  /** The injected failure this call meets, if any; each one is used up by the call it answers. */
  takeFailure(action: string): Ec2Error | undefined {
    const failure = this.queued.find((f) => f.action === undefined || f.action === action);
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining === 0) this.queued = this.queued.filter((f) => f !== failure);
    switch (failure.code) {
      case "RequestLimitExceeded":
        return new Ec2Error("RequestLimitExceeded", "Request limit exceeded.", 503);
      case "Unavailable":
        return new Ec2Error("Unavailable", "The server is overloaded and can't handle the request.", 503);
      case "InternalError":
        return new Ec2Error("InternalError", "An internal error has occurred.", 500);
    }
  }

  denies(action: string): boolean {
    return this.denied.has(action);
  }

  state(): FaultState {
    return {
      latencyMs: this.latencyMs,
      latencyByAction: Object.fromEntries(this.latencyByAction),
      queued: this.queued.map((f) => ({
        kind: f.kind,
        ...(f.action === undefined ? {} : { action: f.action }),
        remaining: f.remaining,
        code: f.code,
      })),
      denied: [...this.denied],
      ...(this.idleCloseAfterMs === undefined ? {} : { idleCloseMs: this.idleCloseAfterMs }),
    };
  }
}
