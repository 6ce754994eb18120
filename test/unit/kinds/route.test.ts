import { describe, expect, it } from "vitest";
import type { RouteSpec } from "../../../src/kinds/route/schema";
import { RouteResource } from "../../../src/kinds/route/resource";
import { a, b, clusterOf, onNode, transition, twoNodeEc2 } from "../support/cluster";

const cidr = "192.168.100.1/32";
const [rtbPrivate, rtbPublic] = ["rtb-0aaaaaaaaaaaaaaa1", "rtb-0bbbbbbbbbbbbbbb2"];

function world(options: { release?: boolean; manager?: "keepalived" | "pacemaker"; routes: [string | undefined, string | undefined] }) {
  const description = clusterOf(
    [{ kind: "route", name: "overlay", address: "192.168.100.1", routeTables: [rtbPrivate, rtbPublic], release: options.release ?? false }],
    {
      manager: options.manager ?? "keepalived",
    },
  );
  const ec2 = twoNodeEc2();
  const [toPrivate, toPublic] = options.routes;
  ec2.addRouteTable(rtbPrivate, toPrivate ? { [cidr]: toPrivate } : {});
  ec2.addRouteTable(rtbPublic, toPublic ? { [cidr]: toPublic } : {});
  const route = new RouteResource(description.resources[0] as RouteSpec);
  return { ec2, route, nodeA: onNode(a, description, ec2), nodeB: onNode(b, description, ec2) };
}

const target = (ec2: ReturnType<typeof twoNodeEc2>, table: string) => ec2.routeTables.get(table)!.get(cidr);

describe("an overlay route", () => {
  it("given one table without the route and one that points at B, when A acquires: source/dest check off, one route created, the other replaced", async () => {
    const { ec2, route, nodeA } = world({ routes: [undefined, b.networkInterfaceId] });

    const { before, outcome } = await transition(route, nodeA.ctx, "acquire");

    expect(before).toMatchObject({ held: false, detail: `${cidr} → nothing in ${rtbPrivate}, ${b.networkInterfaceId} in ${rtbPublic}` });
    expect(outcome).toBe("changed");
    expect(ec2.calls[0]).toBe(`disableSourceDestCheck ${a.networkInterfaceId}`);
    expect(ec2.calls.slice(1).sort()).toEqual([
      `createRoute ${rtbPrivate} ${cidr} ${a.networkInterfaceId}`,
      `replaceRoute ${rtbPublic} ${cidr} ${a.networkInterfaceId}`,
    ]);
    expect(ec2.interfaces.get(a.networkInterfaceId)!.sourceDestCheck).toBe(false);
    expect([target(ec2, rtbPrivate), target(ec2, rtbPublic)]).toEqual([a.networkInterfaceId, a.networkInterfaceId]);
    expect(await route.inspect(nodeA.ctx)).toMatchObject({ held: true });
  });

  it("a table that already points at us is left alone, and an ENI with the check off is not touched", async () => {
    const { ec2, route, nodeA } = world({ routes: [a.networkInterfaceId, b.networkInterfaceId] });
    ec2.interfaces.get(a.networkInterfaceId)!.sourceDestCheck = false;
    const { before } = await transition(route, nodeA.ctx, "acquire");
    expect(before).toMatchObject({ held: false, partial: true });
    expect(ec2.calls).toEqual([`replaceRoute ${rtbPublic} ${cidr} ${a.networkInterfaceId}`]);
  });

  it("acquiring a route every table already sends to us makes no mutating call", async () => {
    const { ec2, route, nodeA } = world({ routes: [a.networkInterfaceId, a.networkInterfaceId] });
    expect((await transition(route, nodeA.ctx, "acquire")).outcome).toBe("unchanged");
    expect(ec2.calls).toEqual([]);
  });

  it("under Pacemaker the overlay address is added to the interface as a /32, and removed on release", async () => {
    const { route, nodeA } = world({ manager: "pacemaker", routes: [b.networkInterfaceId, b.networkInterfaceId] });
    await transition(route, nodeA.ctx, "acquire");
    expect(nodeA.host.calls).toEqual(["addAddress eth0 192.168.100.1/32"]);
    await transition(route, nodeA.ctx, "release");
    expect(nodeA.host.addressesOn("eth0")).toEqual([]);
  });

  it("releasing without the release flag makes no EC2 call", async () => {
    const { ec2, route, nodeA } = world({ routes: [a.networkInterfaceId, a.networkInterfaceId] });
    expect((await transition(route, nodeA.ctx, "release")).outcome).toBe("unchanged");
    expect(ec2.calls).toEqual([]);
  });

  it("with the release flag, only the tables that still target us lose the route", async () => {
    const { ec2, route, nodeA } = world({ release: true, routes: [a.networkInterfaceId, b.networkInterfaceId] });
    expect((await transition(route, nodeA.ctx, "release")).outcome).toBe("changed");
    expect(ec2.calls).toEqual([`deleteRoute ${rtbPrivate} ${cidr}`]);
    expect(target(ec2, rtbPublic)).toBe(b.networkInterfaceId);
  });
});

describe("an IPv6 overlay route", () => {
  const overlay6 = "2001:db8:ff00::1";
  const cidr6 = `${overlay6}/128`;

  function world6(manager: "keepalived" | "pacemaker", release = false) {
    const description = clusterOf([{ kind: "route", name: "overlay6", address: overlay6, routeTables: [rtbPrivate], release }], {
      manager,
    });
    const ec2 = twoNodeEc2();
    ec2.addRouteTable(rtbPrivate, { [cidr6]: b.networkInterfaceId });
    const route = new RouteResource(description.resources[0] as RouteSpec);
    return { ec2, route, nodeA: onNode(a, description, ec2) };
  }

  it("is routed as a /128 to this node's ENI, and under Pacemaker added to the interface as a /128", async () => {
    const { ec2, route, nodeA } = world6("pacemaker");
    const { before, outcome } = await transition(route, nodeA.ctx, "acquire");
    expect(before).toMatchObject({ held: false, detail: `${cidr6} → ${b.networkInterfaceId} in ${rtbPrivate}` });
    expect(outcome).toBe("changed");
    expect(ec2.calls).toContain(`replaceRoute ${rtbPrivate} ${cidr6} ${a.networkInterfaceId}`);
    expect(ec2.routeTables.get(rtbPrivate)!.get(cidr6)).toBe(a.networkInterfaceId);
    expect(nodeA.host.calls).toEqual([`addAddress eth0 ${cidr6}`]);
  });

  it("with the release flag, release deletes the /128 while it targets us", async () => {
    const { ec2, route, nodeA } = world6("keepalived", true);
    await transition(route, nodeA.ctx, "acquire");
    ec2.calls.length = 0;
    expect((await transition(route, nodeA.ctx, "release")).outcome).toBe("changed");
    expect(ec2.calls).toEqual([`deleteRoute ${rtbPrivate} ${cidr6}`]);
  });
});
