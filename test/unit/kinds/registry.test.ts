import { describe, expect, it } from "vitest";
import { resourcesFor } from "../../../src/kinds/registry";
import { clusterOf } from "../support/cluster";

describe("the resources of a description", () => {
  const description = clusterOf([
    { kind: "service", name: "db", unit: "postgresql.service" },
    { kind: "vip", name: "web-vip", address: "10.0.1.100" },
    { kind: "eip", name: "vip-eip", allocationId: "eipalloc-0abc00000000000e1", privateAddress: "10.0.1.100" },
    { kind: "eip", name: "own-eip", allocationId: "eipalloc-0abc00000000000e2" },
    { kind: "route", name: "overlay", address: "192.168.100.1", routeTables: ["rtb-0aaaaaaaaaaaaaaa1"] },
    { kind: "volume", name: "data", volumeId: "vol-0abc00000000000d1", mountPoint: "/srv/data" },
    { kind: "hook", name: "promote", acquire: ["/usr/local/bin/promote"] },
  ]);
  const byName = new Map(resourcesFor(description).map((r) => [r.name, r]));

  it("builds one resource per entry, in the description's order", () => {
    expect([...byName.values()].map((r) => `${r.kind} ${r.name}`)).toEqual([
      "service db",
      "vip web-vip",
      "eip vip-eip",
      "eip own-eip",
      "route overlay",
      "volume data",
      "hook promote",
    ]);
  });

  it("VIPs, routes, volumes and an EIP on a node's own address wait for nothing", () => {
    for (const name of ["web-vip", "own-eip", "overlay", "data"]) expect(byName.get(name)!.dependsOn).toEqual([]);
  });

  it("an EIP on a VIP's address waits for that VIP", () => {
    expect(byName.get("vip-eip")!.dependsOn).toEqual(["web-vip"]);
  });

  it("hooks wait for every VIP, EIP, route and volume; services for everything that is not a service", () => {
    expect(byName.get("promote")!.dependsOn).toEqual(["web-vip", "vip-eip", "own-eip", "overlay", "data"]);
    expect(byName.get("db")!.dependsOn).toEqual(["web-vip", "vip-eip", "own-eip", "overlay", "data", "promote"]);
  });
});
