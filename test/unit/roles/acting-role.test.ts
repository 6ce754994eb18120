import { describe, expect, it } from "vitest";
import { withActingRoles } from "../../../src/kinds/acting-role";
import { Observations } from "../../../src/kinds/observations";
import type { Holding, Resource, TransitionContext } from "../../../src/kinds/resource";
import { clusterOf } from "../support/cluster";

// A resource that acts as a role gets that role's port of the service it speaks (EC2, or Route53
// for a record) and its own share of what the transition read; `show` and the plan name the role,
// while the resource itself still reads its own words.

const shared = "arn:aws:iam::444455556666:role/shared-vpc";
const dns = "arn:aws:iam::222233334444:role/dns";

/** A resource that remembers the context and the holding it was given. */
function recording(name: string, kind: Resource["kind"]) {
  const seen: { ctx?: TransitionContext; before?: Holding } = {};
  const resource: Resource = {
    name,
    kind,
    dependsOn: [],
    inspectable: true,
    inspect: async (ctx) => {
      seen.ctx = ctx;
      return { held: false, detail: `${name} elsewhere` };
    },
    acquire: async (ctx, before) => {
      [seen.ctx, seen.before] = [ctx, before];
      return "changed";
    },
    release: async () => "unchanged",
    summary: (_action, before) => `${name} (was ${before.detail})`,
  };
  return { resource, seen };
}

const portsOf = (who: string) => ({ ec2: { who } as never, route53: { who } as never });

describe("a resource acting as a role", () => {
  const d = clusterOf(
    [
      { kind: "vip", name: "web-vip", address: "10.0.1.100" },
      {
        kind: "record",
        name: "web-dns",
        hostedZoneId: "Z0123456789ABCDEFGHIJ",
        zone: "example.com.",
        recordName: "www.example.com.",
        assumeRole: { roleArn: dns },
      },
      { kind: "service", name: "nginx", unit: "nginx.service" },
    ],
    { assumeRole: { roleArn: shared } },
  );
  const base = (): TransitionContext =>
    ({
      ...portsOf("node"),
      seen: new Observations(),
      asRole: (role: { roleArn: string }) => portsOf(role.roleArn),
    }) as unknown as TransitionContext;

  it("a vip gets the cluster role's EC2 and its own observations; a record only the DNS role's Route53; a service nothing", async () => {
    const [vip, record, service] = [recording("web-vip", "vip"), recording("web-dns", "record"), recording("nginx", "service")];
    const acting = withActingRoles([vip.resource, record.resource, service.resource], d);
    const ctx = base();

    await Promise.all(acting.map((r) => r.inspect(ctx)));

    expect(acting.map((r) => r.role)).toEqual([shared, dns, undefined]);
    expect([vip.seen.ctx!.ec2, vip.seen.ctx!.route53]).toEqual([{ who: shared }, { who: "node" }]);
    expect(vip.seen.ctx!.seen).toBeInstanceOf(Observations);
    expect(vip.seen.ctx!.seen).not.toBe(ctx.seen);
    expect([record.seen.ctx!.ec2, record.seen.ctx!.route53]).toEqual([{ who: "node" }, { who: dns }]);
    expect(service.seen.ctx).toBe(ctx);
  });

  it("two resources of one role share that role's observations, never the node's", async () => {
    const [one, two] = [recording("web-vip", "vip"), recording("web-vip", "vip")];
    const ctx = base();
    await withActingRoles([one.resource], d)[0]!.inspect(ctx);
    await withActingRoles([two.resource], d)[0]!.inspect(ctx);
    expect(one.seen.ctx!.seen).toBe(two.seen.ctx!.seen);
  });

  it("`show` and the plan read the role in the holding; acquire and the closing line get the resource's own words", async () => {
    const vip = recording("web-vip", "vip");
    const [acting] = withActingRoles([vip.resource], d);
    const ctx = base();

    const before = await acting!.inspect(ctx);
    await acting!.acquire(ctx, before);

    expect(before.detail).toBe(`web-vip elsewhere (as role ${shared})`);
    expect(vip.seen.before!.detail).toBe("web-vip elsewhere");
    expect(acting!.summary("acquire", before)).toBe("web-vip (was web-vip elsewhere)");
  });

  it("a description without roles keeps its resources as they are", () => {
    const plain = clusterOf([{ kind: "vip", name: "web-vip", address: "10.0.1.100" }]);
    const vip = recording("web-vip", "vip");
    expect(withActingRoles([vip.resource], plain)[0]).toBe(vip.resource);
  });
});
