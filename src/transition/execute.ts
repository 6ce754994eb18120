import type { Outcome, TransitionContext } from "../kinds/resource";
import { AwsHaError } from "../errors";
import { errorText } from "../log";
import type { Plan, Step } from "./plan";

export interface StepResult {
  step: Step;
  outcome?: Outcome;
  error?: unknown;
}

/**
 * Runs every step as soon as the steps it waits for are done: on acquire a resource waits for its
 * dependencies (an EIP for the VIP it points at, services for everything); on release it waits for
 * everything that depends on it, so services stop before the volume under them is unmounted. A step
 * whose prerequisite failed is not attempted: a volume is never detached under a service that would
 * not stop.
 */
export async function executePlan(plan: Plan, ctx: TransitionContext): Promise<StepResult[]> {
  const byName = new Map(plan.steps.map((s) => [s.resource.name, s]));
  const running = new Map<string, Promise<StepResult>>();

  const prerequisites = (step: Step): Step[] =>
    step.action === "acquire"
      ? step.resource.dependsOn.flatMap((n) => byName.get(n) ?? [])
      : plan.steps.filter((other) => other.resource.dependsOn.includes(step.resource.name));

  const run = (step: Step): Promise<StepResult> => {
    const existing = running.get(step.resource.name);
    if (existing) return existing;
    const promise = (async (): Promise<StepResult> => {
      const before = await Promise.all(prerequisites(step).map(run));
      const failed = before.find((r) => r.error !== undefined);
      if (failed)
        return {
          step,
          error: new AwsHaError("host", `not attempted because ${failed.step.resource.name} failed to ${failed.step.action}`, {
            resource: step.resource.name,
          }),
        };
      const log = ctx.log.child({ resource: step.resource.name, kind: step.resource.kind });
      try {
        const outcome = await log.step(step.action, {}, () => step.resource[step.action]({ ...ctx, log }, step.before));
        return { step, outcome };
      } catch (error) {
        return { step, error };
      }
    })();
    running.set(step.resource.name, promise);
    return promise;
  };

  return Promise.all(plan.steps.map(run));
}

export function summarise(results: readonly StepResult[]): string {
  return results.map((r) => `${r.step.resource.name} ${r.error ? `failed: ${errorText(r.error)}` : (r.outcome ?? "")}`).join("; ");
}
