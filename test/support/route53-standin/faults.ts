import { Route53Error } from "./errors";

// Trouble the Route53 stand-in can be told to make: Route53's request rate (5 a second per account)
// as a limit of its own, throttling and PriorRequestNotComplete for the next N calls, server errors,
// slow answers, and actions the caller's policy denies.

export type Route53Fault =
  /** Every matching call waits this long before it is served. */
  | { kind: "latency"; ms: number; action?: string }
  /** The next `count` matching calls get Throttling "Rate exceeded" (400, as Route53 answers it). */
  | { kind: "throttle"; count: number; action?: string }
  /** The next `count` matching calls get PriorRequestNotComplete (400): an earlier change of the zone is still being applied. */
  | { kind: "prior-request"; count: number; action?: string }
  /** The next `count` matching calls get InternalFailure (500). */
  | { kind: "server-error"; count: number; action?: string }
  /** These actions answer AccessDenied (403) until the faults are cleared. */
  | { kind: "deny"; actions: string[] }
  /** At most `perSecond` calls in any second; the rest get Throttling, as Route53's account limit does. */
  | { kind: "rate-limit"; perSecond: number };

interface Queued {
  action: string | undefined;
  remaining: number;
  error: () => Route53Error;
}

const queuedErrors = {
  throttle: () => new Route53Error("Throttling", "Rate exceeded", 400),
  "prior-request": () =>
    new Route53Error("PriorRequestNotComplete", "The request was rejected because Route 53 was still processing a prior request.", 400),
  "server-error": () => new Route53Error("InternalFailure", "An internal error occurred.", 500),
};

export class Route53Faults {
  private readonly latency = new Map<string | undefined, number>();
  private queued: Queued[] = [];
  private readonly denied = new Set<string>();
  private perSecond: number | undefined;
  private recent: number[] = [];

  constructor(private readonly now: () => number = () => Date.now()) {}

  inject(fault: Route53Fault): void {
    switch (fault.kind) {
      case "latency":
        if (!(fault.ms >= 0)) throw new Error(`latency fault needs ms >= 0, got ${fault.ms}`);
        this.latency.set(fault.action, (this.latency.get(fault.action) ?? 0) + fault.ms);
        return;
      case "throttle":
      case "prior-request":
      case "server-error":
        if (!(fault.count > 0)) throw new Error(`${fault.kind} fault needs count > 0, got ${fault.count}`);
        this.queued.push({ action: fault.action, remaining: fault.count, error: queuedErrors[fault.kind] });
        return;
      case "deny":
        for (const action of fault.actions) this.denied.add(action);
        return;
      case "rate-limit":
        if (!(fault.perSecond > 0)) throw new Error(`rate-limit fault needs perSecond > 0, got ${fault.perSecond}`);
        this.perSecond = fault.perSecond;
        return;
    }
  }

  clear(): void {
    this.latency.clear();
    this.queued = [];
    this.denied.clear();
    this.perSecond = undefined;
    this.recent = [];
  }

  latencyFor(action: string): number {
    return (this.latency.get(undefined) ?? 0) + (this.latency.get(action) ?? 0);
  }

  /** The failure this call meets, if any; each call counts against the rate limit, answered or not. */
  failureFor(action: string): Route53Error | undefined {
    if (this.perSecond !== undefined) {
      const now = this.now();
      this.recent = this.recent.filter((t) => now - t < 1000);
      this.recent.push(now);
      if (this.recent.length > this.perSecond) return queuedErrors.throttle();
    }
    const queued = this.queued.find((q) => q.remaining > 0 && (q.action === undefined || q.action === action));
    if (queued) {
      queued.remaining -= 1;
      this.queued = this.queued.filter((q) => q.remaining > 0);
      return queued.error();
    }
    if (this.denied.has(action)) return new Route53Error("AccessDenied", `User is not authorized to perform: route53:${action}`, 403);
    return undefined;
  }
}
