import { isMutatingCall } from "../../support/ec2-standin/actions";
import type { ApiCall } from "./cloud-control";

// Reading the stand-in's call log: which calls changed the world, and when fencing happened.

/**
 * Calls that changed the world: a mutating action (the stand-in says which) that succeeded. A DryRun
 * call never succeeds (EC2 answers DryRunOperation at best), so none is counted.
 */
export function mutatingCalls(calls: readonly ApiCall[], since = 0): ApiCall[] {
  return calls.filter((c) => c.at >= since && isMutatingCall(c) && c.error === undefined);
}

export function stopInstancesCalls(calls: readonly ApiCall[], since = 0): ApiCall[] {
  return calls.filter((c) => c.at >= since && c.action === "StopInstances");
}

export function failedCalls(calls: readonly ApiCall[], since = 0): ApiCall[] {
  return calls.filter((c) => c.at >= since && c.error !== undefined);
}

export function summarizeCalls(calls: readonly ApiCall[]): string {
  const counts = new Map<string, number>();
  for (const c of calls)
    counts.set(c.action + (c.error ? `!${c.error}` : ""), (counts.get(c.action + (c.error ? `!${c.error}` : "")) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k}×${n}`).join(" ");
}
