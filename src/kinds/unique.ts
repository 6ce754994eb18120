/** The values once each, in the order they first appear: a policy names each resource once. */
export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
