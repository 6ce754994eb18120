import type { Ec2Call } from "../support/ec2-standin/call-log";

// How many EC2 round trips a transition had to wait for one after another. Two calls are in a chain
// when the second arrived only after the first was answered; calls that overlap ran concurrently.
// With a fixed latency per call, the longest chain times that latency is the least any client
// making the same calls in the same order could take.

export function longestChain(calls: readonly Ec2Call[]): Ec2Call[] {
  const sorted = [...calls].sort((a, b) => a.at - b.at);
  const best: { length: number; previous: number }[] = sorted.map(() => ({ length: 1, previous: -1 }));
  for (let j = 0; j < sorted.length; j++) {
    for (let i = 0; i < j; i++) {
      const follows = sorted[j]!.at >= sorted[i]!.at + sorted[i]!.durationMs;
      if (follows && best[i]!.length + 1 > best[j]!.length) best[j] = { length: best[i]!.length + 1, previous: i };
    }
  }
  let end = best.reduce((top, b, k) => (b.length > best[top]!.length ? k : top), 0);
  const chain: Ec2Call[] = [];
  for (; end >= 0 && sorted.length > 0; end = best[end]!.previous) chain.unshift(sorted[end]!);
  return chain;
}

/** Each link of the chain with whatever ran alongside it: "DescribeNetworkInterfaces ∥ DescribeAddresses → …". */
export function describeChain(chain: readonly Ec2Call[], calls: readonly Ec2Call[]): string {
  return chain
    .map((link) => {
      const alongside = calls.filter((c) => c !== link && c.at < link.at + link.durationMs && link.at < c.at + c.durationMs);
      return [link, ...alongside].map((c) => c.action).join(" ∥ ");
    })
    .join(" → ");
}

/** One line per call, offsets from the first: for reading where a run spent its time. */
export function callTimeline(calls: readonly Ec2Call[], since: number): string[] {
  return [...calls]
    .sort((a, b) => a.at - b.at)
    .map((c) => `+${String(c.at - since).padStart(4)} ms  ${c.action.padEnd(28)} ${c.durationMs} ms${c.error ? ` ${c.error}` : ""}`);
}
