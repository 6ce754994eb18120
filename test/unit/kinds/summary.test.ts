import { describe, expect, it } from "vitest";
import type { Holding } from "../../../src/kinds/resource";
import { resourcesFor } from "../../../src/kinds/registry";
import { clusterOf } from "../support/cluster";

// The few words each resource gives the transition's closing line: what moved, and where to.

const description = clusterOf([
  { kind: "vip", name: "web-vip", address: "10.0.1.100", release: true },
  { kind: "vip", name: "kept-vip", address: "10.0.1.101" },
  { kind: "eip", name: "web-eip", allocationId: "eipalloc-0abc00000000000e1", privateAddress: "10.0.1.100", release: true },
  { kind: "eip", name: "own-eip", allocationId: "eipalloc-0abc00000000000e2", publicIp: "198.51.100.7" },
  { kind: "eip", name: "bare-eip", allocationId: "eipalloc-0abc00000000000e3" },
  {
    kind: "route",
    name: "overlay",
    address: "192.168.100.10",
    routeTables: ["rtb-0aaaaaaaaaaaaaaa1", "rtb-0aaaaaaaaaaaaaaa2"],
    release: true,
  },
  { kind: "volume", name: "data", volumeId: "vol-0abc00000000000d1", mountPoint: "/srv/data" },
  { kind: "service", name: "nginx", unit: "nginx.service" },
  { kind: "hook", name: "notify", acquire: ["/usr/local/bin/notify"] },
]);
const byName = new Map(resourcesFor(description).map((r) => [r.name, r]));
const seen = (detail: string): Holding => ({ held: false, detail });
const summary = (name: string, action: "acquire" | "release", detail = "") => byName.get(name)!.summary(action, seen(detail));

describe("what a changed resource says it did", () => {
  it.each([
    ["web-vip", "acquire", "", "vip 10.0.1.100"],
    ["web-vip", "release", "", "vip 10.0.1.100 unassigned"],
    ["kept-vip", "release", "", "vip 10.0.1.101 removed from the interface"],
    // The public address as inspect saw it, then as the description declares it, then the allocation id.
    ["web-eip", "acquire", "203.0.113.7 → 10.0.1.11 on eni-0b (node-b, i-0b)", "eip 203.0.113.7 → 10.0.1.100"],
    ["web-eip", "release", "203.0.113.7 → 10.0.1.100 on eni-0a (this node)", "eip 203.0.113.7 disassociated"],
    ["own-eip", "acquire", "", "eip 198.51.100.7 → this node's address"],
    ["bare-eip", "acquire", "", "eip eipalloc-0abc00000000000e3 → this node's address"],
    ["overlay", "acquire", "", "route 192.168.100.10/32 in rtb-0aaaaaaaaaaaaaaa1,rtb-0aaaaaaaaaaaaaaa2"],
    ["overlay", "release", "", "route 192.168.100.10/32 deleted from rtb-0aaaaaaaaaaaaaaa1,rtb-0aaaaaaaaaaaaaaa2"],
    ["data", "acquire", "", "volume data mounted on /srv/data"],
    ["data", "release", "", "volume data unmounted and detached"],
    ["nginx", "acquire", "", "service nginx started"],
    ["nginx", "release", "", "service nginx stopped"],
    ["notify", "acquire", "", "hook notify ran"],
  ] as const)("%s on %s: %j", (name, action, detail, expected) => {
    expect(summary(name, action, detail)).toBe(expected);
  });
});

describe("what can be inspected", () => {
  it("every resource but a hook, which holds nothing and runs on every transition", () => {
    expect([...byName.values()].filter((r) => !r.inspectable).map((r) => r.name)).toEqual(["notify"]);
  });
});
