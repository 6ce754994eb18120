import { missingParameter, invalidParameterValue } from "./errors";

// The EC2 Query protocol's request: a flat form body where lists are numbered from 1
// (`PrivateIpAddress.1`, `Filter.2.Value.1`) and nested values use dots (`SourceDestCheck.Value`).

export interface Filter {
  name: string;
  values: string[];
}

export class QueryRequest {
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;

  constructor(body: string) {
    const params: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(body)) params[key] = value;
    this.params = params;
    this.action = params.Action ?? "";
  }

  get(name: string): string | undefined {
    return this.params[name];
  }

  require(name: string): string {
    const value = this.params[name];
    if (value === undefined || value === "") throw missingParameter(name);
    return value;
  }

  /** `true`/`false` when sent, undefined when the caller left it out (EC2 defaults differ per action). */
  bool(name: string): boolean | undefined {
    const value = this.params[name];
    if (value === undefined) return undefined;
    if (value === "true") return true;
    if (value === "false") return false;
    throw invalidParameterValue(`Value (${value}) for parameter ${name} is invalid. Expected a boolean.`);
  }

  int(name: string): number | undefined {
    const value = this.params[name];
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n)) throw invalidParameterValue(`Value (${value}) for parameter ${name} is invalid. Expected an integer.`);
    return n;
  }

  /** The members of a numbered list (`prefix.1`, `prefix.2`, …) in index order. */
  list(prefix: string): string[] {
    return numbered(this.params, prefix).map(([, value]) => value);
  }

  filters(): Filter[] {
    const filters: Filter[] = [];
    const indexes = new Set<number>();
    for (const key of Object.keys(this.params)) {
      const match = /^Filter\.(\d+)\.Name$/.exec(key);
      if (match) indexes.add(Number(match[1]));
    }
    for (const i of [...indexes].sort((a, b) => a - b)) {
      filters.push({ name: this.params[`Filter.${i}.Name`] ?? "", values: numbered(this.params, `Filter.${i}.Value`).map(([, v]) => v) });
    }
    return filters;
  }

  /** Every instance id the request names, for the call log. */
  instanceIds(): string[] {
    return Object.entries(this.params)
      .filter(([key]) => /^InstanceId(\.\d+)?$/.test(key))
      .map(([, value]) => value);
  }
}

function numbered(params: Readonly<Record<string, string>>, prefix: string): [number, string][] {
  const pattern = new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.(\\d+)$`);
  const members: [number, string][] = [];
  for (const [key, value] of Object.entries(params)) {
    const match = pattern.exec(key);
    if (match) members.push([Number(match[1]), value]);
  }
  return members.sort((a, b) => a[0] - b[0]);
}
