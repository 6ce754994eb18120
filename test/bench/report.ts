// The closing table: one row per figure, medians first, then what the issue asks of it.

export interface Row {
  figure: string;
  median: string;
  p90?: string;
  target?: string;
  verdict?: string;
}

export function printTable(rows: readonly Row[]): void {
  const header: Row = { figure: "figure", median: "median", p90: "p90", target: "target", verdict: "" };
  const cells = [header, ...rows].map((r) => [r.figure, r.median, r.p90 ?? "", r.target ?? "", r.verdict ?? ""]);
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  console.log(line(cells[0]!));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const c of cells.slice(1)) console.log(line(c));
}
