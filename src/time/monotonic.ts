// Milliseconds on the process's monotonic clock, for durations and deadlines. `performance.now()`
// reads the same clock, but the first touch of the `performance` global makes Node load nine
// perf_hooks modules, about 1.5 ms of every cold failover; `process.hrtime` is already there.

export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
