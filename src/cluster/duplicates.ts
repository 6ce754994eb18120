/** Indexes of entries that repeat an earlier one: the second use of a name or id is the mistake. */
export function firstDuplicates(values: readonly unknown[]): number[] {
  const seen = new Set<unknown>();
  const dups: number[] = [];
  values.forEach((v, i) => (seen.has(v) ? dups.push(i) : seen.add(v)));
  return dups;
}
