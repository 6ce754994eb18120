import { invalidParameterValue } from "./errors";
import type { Filter } from "./query";

// Describe* filters: a resource matches when every filter has at least one value equal to one of
// the resource's values for that key. EC2 rejects filter names it does not know, which catches a
// misspelt filter in the adapter instead of silently returning everything.

export type FilterKeys<T> = Record<string, (resource: T) => readonly (string | undefined)[]>;

export function applyFilters<T>(resources: readonly T[], filters: readonly Filter[], keys: FilterKeys<T>): T[] {
  for (const filter of filters) {
    if (!Object.hasOwn(keys, filter.name)) throw invalidParameterValue(`The filter '${filter.name}' is invalid`);
  }
  return resources.filter((resource) =>
    filters.every((filter) => {
      const actual = keys[filter.name]!(resource);
      return filter.values.some((wanted) => actual.some((value) => value !== undefined && globMatch(wanted, value)));
    }),
  );
}

// EC2 filter values accept * and ? wildcards.
function globMatch(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return regex.test(value);
}
