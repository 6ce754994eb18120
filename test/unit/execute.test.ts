import { describe, expect, it } from "vitest";
import type { Holding, Outcome, Resource, TransitionContext } from "../../src/kinds/resource";
import type { ResourceKind } from "../../src/cluster/schema";
import { planTransition } from "../../src/transition/plan";
import { executePlan } from "../../src/transition/execute";
import { Logger } from "../../src/log";
import { Deadline } from "../../src/time/deadline";

/** A resource that records when it starts and ends each action. */
class Recorded implements Resource {
  constructor(
    readonly name: string,
    readonly kind: ResourceKind,
    readonly dependsOn: string[],
    private readonly journal: string[],
    private readonly opts: { held?: boolean; ms?: number; fails?: boolean } = {},
  ) {}
  /** Hooks hold nothing inspect could see. */
  get inspectable(): boolean {
    return this.kind !== "hook";
  }
  summary(action: "acquire" | "release"): string {
    return `${this.kind} ${this.name} ${action}d`;
  }
  async inspect(): Promise<Holding> {
    return { held: this.opts.held ?? false, detail: "" };
  }
  acquire = (_ctx: TransitionContext) => this.act("acquire");
  release = (_ctx: TransitionContext) => this.act("release");
  private async act(action: string): Promise<Outcome> {
    this.journal.push(`${action} ${this.name} start`);
    await new Promise((r) => setTimeout(r, this.opts.ms ?? 10));
    if (this.opts.fails) throw new Error(`${this.name} broke`);
    this.journal.push(`${action} ${this.name} end`);
    return "changed";
  }
}

const ctx = { log: new Logger([]), deadline: new Deadline(10_000) } as unknown as TransitionContext;
const holdings = (rs: Resource[], held: Record<string, boolean> = {}) =>
  new Map(rs.map((r) => [r.name, { held: held[r.name] ?? false, detail: "" }]));

describe("executing a plan", () => {
  it("acquires independent resources concurrently, an EIP after its VIP, services last", async () => {
    const j: string[] = [];
    const rs = [
      new Recorded("vip", "vip", [], j, { ms: 30 }),
      new Recorded("data", "volume", [], j, { ms: 50 }),
      new Recorded("eip", "eip", ["vip"], j),
      new Recorded("db", "service", ["vip", "data", "eip"], j),
    ];
    const results = await executePlan(planTransition({ direction: "acquire", cause: "master" }, rs, holdings(rs)), ctx);
    expect(results.every((r) => r.outcome === "changed")).toBe(true);
    expect(j.slice(0, 2).sort()).toEqual(["acquire data start", "acquire vip start"]);
    expect(j.indexOf("acquire eip start")).toBeGreaterThan(j.indexOf("acquire vip end"));
    expect(j.indexOf("acquire eip start")).toBeLessThan(j.indexOf("acquire data end"));
    expect(j.indexOf("acquire db start")).toBeGreaterThan(Math.max(j.indexOf("acquire data end"), j.indexOf("acquire eip end")));
  });

  it("releases in reverse: the service stops before the volume under it", async () => {
    const j: string[] = [];
    const rs = [new Recorded("data", "volume", [], j), new Recorded("db", "service", ["data"], j)];
    await executePlan(planTransition({ direction: "release", cause: "backup" }, rs, holdings(rs, { data: true, db: true })), ctx);
    expect(j).toEqual(["release db start", "release db end", "release data start", "release data end"]);
  });

  it("never releases a volume under a service that failed to stop", async () => {
    const j: string[] = [];
    const rs = [new Recorded("data", "volume", [], j), new Recorded("db", "service", ["data"], j, { fails: true })];
    const results = await executePlan(
      planTransition({ direction: "release", cause: "backup" }, rs, holdings(rs, { data: true, db: true })),
      ctx,
    );
    expect(j).toEqual(["release db start"]);
    expect(String((results.find((r) => r.step.resource.name === "data")!.error as Error).message)).toContain(
      "not attempted because db failed",
    );
  });

  it("acting on what is already as wanted makes no call", async () => {
    const j: string[] = [];
    const rs = [new Recorded("vip", "vip", [], j), new Recorded("hook", "hook", ["vip"], j)];
    const plan = planTransition({ direction: "acquire", cause: "master" }, rs, holdings(rs, { vip: true }));
    expect(plan.steps.map((s) => s.resource.name)).toEqual(["hook"]);
    await executePlan(plan, ctx);
    expect(j).toEqual(["acquire hook start", "acquire hook end"]);
  });
});
