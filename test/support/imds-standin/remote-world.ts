import { StandinControlClient } from "../ec2-standin/control-client";
import type { WorldSnapshot } from "../ec2-standin/snapshot";

// The world as an IMDS stand-in in another process sees it: read from the EC2 stand-in's control
// API on every metadata request. Both run on one host (or one lab), so the read takes a millisecond.

export function remoteWorld(ec2Url: string, timeoutMs = 2_000): () => Promise<WorldSnapshot> {
  const client = new StandinControlClient({ url: ec2Url, timeoutMs });
  return () => client.world();
}
