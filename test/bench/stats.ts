// Figures from repeated runs: the median says what a run usually costs, p90 how bad a slow one gets.

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Nearest-rank percentile: a value that was really measured, never an interpolation. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function ms(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value)} ms` : "n/a";
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : "n/a";
}

export function summary(samples: readonly number[]): string {
  return `median ${ms(median(samples))}, p90 ${ms(percentile(samples, 90))}, min ${ms(Math.min(...samples))}, max ${ms(Math.max(...samples))} (n=${samples.length})`;
}
