import type { Outcome, TransitionContext } from "../kinds/resource";
import { AwsHaError } from "../errors";
import { errorFields, errorText } from "../log";
import type { Plan, Step } from "./plan";
import { monotonicMs } from "../time/monotonic";

export interface StepResult {
  step: Step;
  outcome?: Outcome;
  error?: unknown;
  /** How long the step took; absent when it was not attempted. */
  ms?: number;
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
  const prerequisites = (step: Step): Step[] =>
    step.action === "acquire"
      ? step.resource.dependsOn.flatMap((n) => byName.get(n) ?? [])
      : plan.steps.filter((other) => other.resource.dependsOn.includes(step.resource.name));
  const results = new Map<string, Promise<StepResult>>();

  const run = async (step: Step): Promise<StepResult> => {
    const before = await Promise.all(prerequisites(step).map((p) => results.get(p.resource.name)!));
    const failed = before.find((r) => r.error !== undefined);
    if (failed)
      return {
        step,
        error: new AwsHaError("host", `not attempted because ${failed.step.resource.name} failed to ${failed.step.action}`, {
          resource: step.resource.name,
        }),
      };
    const log = ctx.log.child({
      resource: step.resource.name,
      kind: step.resource.kind,
      ...(step.resource.role ? { role: step.resource.role } : {}),
    });
    const started = monotonicMs();
    const ms = () => Math.round(monotonicMs() - started);
    try {
      const outcome = await step.resource[step.action]({ ...ctx, log }, step.before);
      const took = ms();
      log.info(step.action, { outcome, ms: took });
      return { step, outcome, ms: took };
    } catch (error) {
      const took = ms();
      log.error(`${step.action} failed`, { ms: took, error: errorText(error), ...errorFields(error) });
      return { step, error, ms: took };
    }
  };

  // Each step starts a microtask later, so every step's result is known before any step asks for
  // those it waits for; each runs once, however many wait for it.
  for (const step of plan.steps) results.set(step.resource.name, Promise.resolve(step).then(run));
  return Promise.all(plan.steps.map((s) => results.get(s.resource.name)!));
}
