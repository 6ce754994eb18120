import { setTimeout as sleep } from "node:timers/promises";
import { MAX_ATTEMPTS } from "./ec2-client";
import { ec2Failure, isTransient } from "./ec2-errors";

// A release that EC2 cannot make conditional (DisassociateAddress, DeleteRoute): whether the
// resource is still ours is read right before every attempt, and each attempt is sent once. The
// SDK's own retry would send it again after a backoff of up to seconds, unchecked, by when a peer
// may have taken the resource.

interface ReleaseWhileOurs<T> {
  /** The EC2 action and what it is about, for the error. */
  action: string;
  resource: string;
  /** What the release needs (an association id, the route) while the resource is ours; undefined once it is not. */
  ours: () => Promise<T | undefined>;
  /** One attempt, sent once. true: released; false: gone already. */
  attempt: (found: T) => Promise<boolean>;
  /** The transition deadline's signal: it bounds the waits between attempts. */
  signal: () => AbortSignal;
}

/** true: released; false: not ours (any more), or gone. */
export async function releaseWhileOurs<T>({ action, resource, ours, attempt, signal }: ReleaseWhileOurs<T>): Promise<boolean> {
  for (let n = 1; ; n++) {
    const found = await ours();
    if (found === undefined) return false;
    try {
      return await attempt(found);
    } catch (e) {
      if (n >= MAX_ATTEMPTS || !isTransient(e)) throw ec2Failure(action, e, resource);
      // Jittered like the SDK's standard strategy; the deadline's signal bounds the wait.
      await sleep(Math.random() * Math.min(20_000, 100 * 2 ** n), undefined, { signal: signal() }).catch(() => undefined);
    }
  }
}
