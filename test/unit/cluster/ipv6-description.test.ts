import { describe, expect, it } from "vitest";
import { canonicalAddress, cidrContains, familyOf, networkAddress, sameNetwork } from "../../../src/cluster/ip-addresses";
import { vipPrefix } from "../../../src/kinds/vip/spec";
import type { ConfigProblem } from "../../../src/errors";
import { changed, parseDescription, refusalOf, type Description } from "../support/description-problems";

// IPv6 in the description: addresses judged by node:net, an IPv6 VIP only between nodes that have an
// IPv6 address in its /prefix, an IPv6 overlay route outside the VPC's IPv6 blocks. Each mistake is
// one line naming its place.

function dualStack(): Description {
  return {
    cluster: "web",
    manager: "keepalived",
    nodes: [
      { name: "lb-a", address: "10.0.1.10", address6: "2001:db8:0:1::10", instanceId: "i-0a1b2c3d4e5f60001", priority: 150 },
      { name: "lb-b", address: "10.0.1.11", address6: "2001:db8:0:1::11", instanceId: "i-0a1b2c3d4e5f60002", priority: 100 },
    ],
    resources: [
      { kind: "vip", name: "web-vip", address: "10.0.1.100" },
      { kind: "vip", name: "web-vip6", address: "2001:db8:0:1::100" },
    ],
    keepalived: { virtualRouterId: 51 },
  };
}

const parse = (change?: (d: Description) => void) => parseDescription(changed(dualStack, change));
const problemsOf = (change: (d: Description) => void) => refusalOf(changed(dualStack, change));

describe("IPv6 in the cluster description", () => {
  it("accepts a dual-stack description; each family gets its default prefix; IPv6 is kept in its canonical spelling", () => {
    const d = parse((d) => (d.resources[1].address = "2001:DB8:0:1:0:0:0:100"));
    const [vip4, vip6] = d.resources as { address: string; prefix?: number }[];
    expect(vip6!.address).toBe("2001:db8:0:1::100");
    expect([vipPrefix(vip4!), vipPrefix(vip6!)]).toEqual([24, 64]);
  });

  it.each<[string, (d: Description) => void, ConfigProblem]>([
    [
      "an IPv6 VIP where a node has no IPv6 address",
      (d) => delete d.nodes[1].address6,
      {
        path: "nodes[1].address6",
        message:
          "node lb-b has no IPv6 address, but vip web-vip6 (resources[1]) is 2001:db8:0:1::100: give each node its own IPv6 address in 2001:db8:0:1::100/64 (its subnet needs an IPv6 CIDR)",
      },
    ],
    [
      "an IPv6 VIP outside a node's IPv6 subnet",
      (d) => (d.nodes[0].address6 = "2001:db8:0:2::10"),
      {
        path: "resources[1].address",
        message:
          "2001:db8:0:1::100/64 is not in the subnet of node lb-a (2001:db8:0:2::10); a secondary private IP can only move between ENIs of one subnet (use a route resource across subnets)",
      },
    ],
    [
      "a malformed IPv6 VIP",
      (d) => (d.resources[1].address = "2001:db8::1::100"),
      {
        path: "resources[1].address",
        message: '"2001:db8::1::100" is not an IP address (IPv4 like 10.0.1.100 or IPv6 like 2001:db8::10)',
      },
    ],
    [
      "an IPv6 address with a zone id, which names one machine's interface",
      (d) => (d.resources[1].address = "fe80::1%eth0"),
      { path: "resources[1].address", message: '"fe80::1%eth0" is not an IP address (IPv4 like 10.0.1.100 or IPv6 like 2001:db8::10)' },
    ],
    [
      "a malformed node address6",
      (d) => (d.nodes[0].address6 = "10.0.1.10"),
      { path: "nodes[0].address6", message: '"10.0.1.10" is not an IPv6 address (like 2001:db8::10)' },
    ],
    [
      "an IPv4 prefix longer than 32",
      (d) => (d.resources[0].prefix = 64),
      { path: "resources[0].prefix", message: "64 is longer than an IPv4 address (at most 32)" },
    ],
    [
      "two nodes with one IPv6 address",
      (d) => (d.nodes[1].address6 = "2001:db8:0:1:0::10"),
      { path: "nodes[1].address6", message: '"2001:db8:0:1::10" is used by another node; every node needs its own address6' },
    ],
    [
      "an IPv6 VIP that is a node's own address",
      (d) => (d.resources[1].address = "2001:db8:0:1::11"),
      { path: "resources[1].address", message: "2001:db8:0:1::11 is a node's own address; a vip needs an address of its own" },
    ],
    [
      "an IPv6 overlay route inside the VPC's IPv6 block",
      (d) => {
        d.vpcIpv6Cidrs = ["2001:db8::/56"];
        d.resources.push({ kind: "route", name: "overlay6", address: "2001:db8:0:ff::1", routeTables: ["rtb-0a1b2c3d4e5f60001"] });
      },
      {
        path: "resources[2].address",
        message: "2001:db8:0:ff::1 is inside the VPC CIDR 2001:db8::/56 (vpcIpv6Cidrs[0]); an overlay IP must be outside the VPC CIDR",
      },
    ],
    [
      "an IPv6 overlay route in the /56 around a node when vpcIpv6Cidrs is not given",
      (d) => d.resources.push({ kind: "route", name: "overlay6", address: "2001:db8:0:ff::1", routeTables: ["rtb-0a1b2c3d4e5f60001"] }),
      {
        path: "resources[2].address",
        message:
          "2001:db8:0:ff::1 looks like it is inside the VPC: it is in the /56 around node lb-a (2001:db8:0:1::10), taken as the VPC's IPv6 CIDR because the description gives no vpcIpv6Cidrs; an overlay IP must be outside the VPC CIDR (give vpcIpv6Cidrs if the VPC's block is not that /56)",
      },
    ],
    [
      "an IPv6 overlay route to link-local",
      (d) => d.resources.push({ kind: "route", name: "overlay6", address: "fe80::5", routeTables: ["rtb-0a1b2c3d4e5f60001"] }),
      {
        path: "resources[2].address",
        message: "fe80::5 is link-local (fe80::/10); an overlay IP must be a unicast address outside the VPC CIDR",
      },
    ],
    [
      "an IPv6 overlay route to the metadata service's IPv6 block",
      (d) => d.resources.push({ kind: "route", name: "overlay6", address: "fd00:ec2::254", routeTables: ["rtb-0a1b2c3d4e5f60001"] }),
      {
        path: "resources[2].address",
        message:
          "fd00:ec2::254 is in fd00:ec2::/32, where the instance metadata service and the Amazon DNS answer over IPv6; an overlay IP must be a unicast address outside the VPC CIDR",
      },
    ],
    [
      "a VPC IPv6 block that is not a network address",
      (d) => (d.vpcIpv6Cidrs = ["2001:db8::1/56"]),
      {
        path: "vpcIpv6Cidrs[0]",
        message: '"2001:db8::1/56" is not a VPC IPv6 CIDR block like 2001:db8:1234:1a00::/56 (a network address, /44 to /64)',
      },
    ],
  ])("refuses %s with one line naming the place", (_what, change, problem) => {
    expect(problemsOf(change)).toEqual([problem]);
  });

  it("accepts an IPv6 overlay route outside the VPC's IPv6 blocks", () => {
    const d = parse((d) => {
      d.vpcIpv6Cidrs = ["2001:db8::/56"];
      d.resources.push({ kind: "route", name: "overlay6", address: "2001:db8:ff00::1", routeTables: ["rtb-0a1b2c3d4e5f60001"] });
    });
    expect(d.resources[2]).toMatchObject({ kind: "route", address: "2001:db8:ff00::1" });
  });
});

describe("addresses of either family, by node:net", () => {
  it.each([
    ["10.0.1.100", "ipv4"],
    ["2001:db8::1", "ipv6"],
    ["::ffff:10.0.0.1", "ipv6"],
    ["01.2.3.4", undefined],
    ["2001:db8::1::2", undefined],
    ["fe80::1%eth0", undefined],
    ["", undefined],
  ])("%j is %s", (address, family) => {
    expect(familyOf(address)).toBe(family);
  });

  it("compares networks within one family only", () => {
    expect(sameNetwork("2001:db8:0:1::10", "2001:db8:0:1:ffff::1", 64)).toBe(true);
    expect(sameNetwork("2001:db8:0:1::10", "2001:db8:0:2::1", 64)).toBe(false);
    expect(sameNetwork("10.0.1.10", "10.0.1.200", 24)).toBe(true);
    expect(sameNetwork("10.0.1.10", "::ffff:10.0.1.10", 24)).toBe(false);
    expect(cidrContains("2001:db8::/56", "2001:db8:0:ff::1")).toBe(true);
    expect(cidrContains("2001:db8::/56", "2001:db8:0:100::1")).toBe(false);
  });

  it("finds the network address of either family and spells IPv6 canonically", () => {
    expect(networkAddress("10.0.1.100", 24)).toBe("10.0.1.0");
    expect(networkAddress("2001:db8:0:1:aa::5", 64)).toBe("2001:db8:0:1::");
    expect(networkAddress("2001:db8::ffff:1", 120)).toBe("2001:db8::ffff:0");
    expect(canonicalAddress("2001:0DB8:0000::0010")).toBe("2001:db8::10");
  });
});
