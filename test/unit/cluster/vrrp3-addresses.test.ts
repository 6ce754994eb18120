import { describe, expect, it } from "vitest";
import type { ConfigProblem } from "../../../src/errors";
import { problemsIn, type Description } from "../support/description-problems";

// keepalived drops a VRRPv3 instance whose virtual_ipaddress is empty ("No VIP specified; at least
// one is required"): it would run without the instance, and no node would ever become master. Only
// IPv4 vips and routes go in virtual_ipaddress (IPv6 ones go in virtual_ipaddress_excluded), so a
// VRRPv3 description needs one of those. VRRPv2 keeps such an instance (it only warns).

function description(vrrpVersion: 2 | 3, resources: Description[]): Description {
  return {
    cluster: "web",
    manager: "keepalived",
    nodes: [
      { name: "lb-a", address: "10.0.1.10", address6: "2001:db8:0:1::10", instanceId: "i-0a1b2c3d4e5f60001", priority: 150 },
      { name: "lb-b", address: "10.0.1.11", address6: "2001:db8:0:1::11", instanceId: "i-0a1b2c3d4e5f60002", priority: 100 },
    ],
    resources,
    keepalived: { virtualRouterId: 51, vrrpVersion },
  };
}

const vip4 = { kind: "vip", name: "web-vip", address: "10.0.1.100" };
const vip6 = { kind: "vip", name: "web-vip6", address: "2001:db8:0:1::100" };
const eni = { kind: "eni", name: "licence", networkInterfaceId: "eni-0a1b2c3d4e5f60009", deviceIndex: 1 };

const problemsOf = problemsIn;

const refusal: ConfigProblem = {
  path: "keepalived.vrrpVersion",
  message:
    'keepalived drops a VRRPv3 instance with no IPv4 vip or route to put in virtual_ipaddress ("No VIP specified; at least one is required"), and IPv6 addresses are not advertised; add an IPv4 vip, or use vrrpVersion: 2',
};

describe("a VRRPv3 keepalived description needs an IPv4 address to advertise", () => {
  it.each<[string, Description[]]>([
    ["only an IPv6 vip", [vip6]],
    ["only a whole ENI", [eni]],
  ])("refuses VRRPv3 with %s, naming keepalived.vrrpVersion", (_, resources) => {
    expect(problemsOf(description(3, resources))).toEqual([refusal]);
  });

  it.each<[string, 2 | 3, Description[]]>([
    ["VRRPv3 with an IPv4 vip beside the IPv6 one", 3, [vip4, vip6]],
    ["VRRPv3 with an IPv4 vip beside a whole ENI", 3, [vip4, eni]],
    ["VRRPv2 with only an IPv6 vip (keepalived keeps the instance and warns)", 2, [vip6]],
  ])("accepts %s", (_, version, resources) => {
    expect(problemsOf(description(version, resources))).toEqual([]);
  });
});
