import type { HookSpec } from "./schema";
import { AwsHaError } from "../../errors";
import type { Holding, Outcome, Resource, TransitionContext } from "../resource";

/** The operator's own command, run on acquire and/or release (e.g. promote a replica). */
export class HookResource implements Resource {
  readonly kind = "hook" as const;
  /** A hook holds nothing: it runs on every transition, and a status answer leaves it out. */
  readonly inspectable = false;
  readonly name: string;

  constructor(
    readonly spec: HookSpec,
    readonly dependsOn: readonly string[] = [],
  ) {
    this.name = spec.name;
  }

  async inspect(): Promise<Holding> {
    return { held: false, detail: "runs on every transition" };
  }

  acquire(ctx: TransitionContext): Promise<Outcome> {
    return this.run(ctx, this.spec.acquire);
  }

  release(ctx: TransitionContext): Promise<Outcome> {
    return this.run(ctx, this.spec.release);
  }

  summary(): string {
    return `hook ${this.name} ran`;
  }

  private async run(ctx: TransitionContext, argv: readonly string[] | undefined): Promise<Outcome> {
    if (!argv) return "unchanged";
    ctx.deadline.check(`about to run ${argv[0]}`, `hook ${this.name}`);
    // The hook's own timeout, but never past the transition's deadline.
    const timeoutMs = Math.max(1, Math.min(this.spec.timeout * 1000, ctx.deadline.remainingMs()));
    ctx.log.info(`running ${argv.join(" ")}`);
    const result = await ctx.host.run(argv, timeoutMs);
    if (result.exitCode !== 0) {
      const lastLine = result.stderr.trim().split("\n").pop()?.trim();
      throw new AwsHaError("host", `${argv[0]} exited ${result.exitCode}${lastLine ? `: ${lastLine}` : ""}`, {
        resource: `hook ${this.name}`,
        fix: "run the command by hand to see why it fails",
      });
    }
    return "changed";
  }
}
