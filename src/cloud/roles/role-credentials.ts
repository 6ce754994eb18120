import { monotonicMs } from "../../time/monotonic";
// The temporary credentials of one assumed role, kept for the process: the resident FIFO reader
// lives for weeks, and a failover should not wait for STS when the keys it holds are still good.

/** What STS AssumeRole hands out. */
export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/**
 * How long before their expiry the keys are renewed: the SDK itself treats keys that expire within
 * five minutes as expired, and a call signed just before expiry may still be under way after it.
 */
export const renewBeforeMs = 5 * 60_000;

export class RoleCredentials {
  private held: TemporaryCredentials | undefined;
  /** When to ask again, on the elapsed-time clock: a wall clock stepped back must not stretch old keys. */
  private renewAt = 0;
  private pending: Promise<TemporaryCredentials> | undefined;

  constructor(
    /** One AssumeRole call. */
    private readonly assume: () => Promise<TemporaryCredentials>,
    /** The wall clock, read once per AssumeRole to learn how long its keys live. */
    private readonly now: () => number = Date.now,
    /** Time that only moves forward (NTP steps the wall clock), for how long the keys have been held. */
    private readonly elapsed: () => number = () => monotonicMs(),
  ) {}

  /**
   * Keys valid for at least renewBeforeMs more. Callers that ask at once share one AssumeRole; a
   * failed one is not kept, so the next call (the next event) asks STS again.
   */
  get(): Promise<TemporaryCredentials> {
    const held = this.held;
    if (held && this.elapsed() < this.renewAt) return Promise.resolve(held);
    this.pending ??= this.assume().then(
      (fresh) => {
        this.held = fresh;
        this.renewAt = this.elapsed() + (fresh.expiration.getTime() - this.now()) - renewBeforeMs;
        this.pending = undefined;
        return fresh;
      },
      (e: unknown) => {
        this.pending = undefined;
        throw e;
      },
    );
    return this.pending;
  }
}
