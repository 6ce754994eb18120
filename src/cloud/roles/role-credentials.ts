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
  private pending: Promise<TemporaryCredentials> | undefined;

  constructor(
    /** One AssumeRole call. */
    private readonly assume: () => Promise<TemporaryCredentials>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Keys valid for at least renewBeforeMs more. Callers that ask at once share one AssumeRole; a
   * failed one is not kept, so the next call (the next event) asks STS again.
   */
  get(): Promise<TemporaryCredentials> {
    const held = this.held;
    if (held && held.expiration.getTime() - this.now() > renewBeforeMs) return Promise.resolve(held);
    this.pending ??= this.assume().then(
      (fresh) => {
        this.held = fresh;
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
