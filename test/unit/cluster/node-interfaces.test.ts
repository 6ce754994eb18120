import { describe, expect, it } from "vitest";
import { renderKeepalivedConf } from "../../../src/gen/keepalived";
import { buildIamPolicy } from "../../../src/gen/iam-policy";
import { exampleDescription } from "../../../src/cli/gen/init";
import { parseClusterDescription } from "../../../src/cluster/parse";
import type { ConfigProblem } from "../../../src/errors";
import { changed, parseDescription, refusalOf, type Description } from "../support/description-problems";

// Several ENIs per node: a node lists its interfaces, the first one first; a vip, eip or route
// names the one it uses. A description written before (one `interface`) keeps its meaning, and
// every mistake is one line naming its place.

/** Two nodes with eth0 in 10.0.1.0/24 and eth1 in 10.0.2.0/24, a VIP and its EIP on eth1, a route on eth1. */
function twoInterfaces(): Description {
  return {
    cluster: "web",
    manager: "keepalived",
    nodes: [
      {
        name: "lb-a",
        address: "10.0.1.10",
        instanceId: "i-0a1b2c3d4e5f60001",
        priority: 150,
        interfaces: [{ name: "eth0" }, { name: "eth1", address: "10.0.2.10" }],
      },
      {
        name: "lb-b",
        address: "10.0.1.11",
        instanceId: "i-0a1b2c3d4e5f60002",
        priority: 100,
        interfaces: [{ name: "eth0" }, { name: "eth1", address: "10.0.2.11", networkInterfaceId: "eni-0a1b2c3d4e5f6b002" }],
      },
    ],
    resources: [
      { kind: "vip", name: "web-vip", address: "10.0.2.100", interface: "eth1" },
      { kind: "eip", name: "web-eip", allocationId: "eipalloc-0a1b2c3d4e5f60e01", privateAddress: "10.0.2.100", interface: "eth1" },
      { kind: "route", name: "overlay", address: "192.168.100.1", routeTables: ["rtb-0a1b2c3d4e5f60c01"], interface: "eth1" },
    ],
    keepalived: { virtualRouterId: 51 },
  };
}

/** As descriptions were written before nodes could list interfaces. */
function oneInterface(): Description {
  return {
    cluster: "web",
    manager: "keepalived",
    nodes: [
      {
        name: "lb-a",
        address: "10.0.1.10",
        instanceId: "i-0a1b2c3d4e5f60001",
        interface: "ens5",
        networkInterfaceId: "eni-0a1b2c3d4e5f6a001",
        priority: 150,
      },
      { name: "lb-b", address: "10.0.1.11", instanceId: "i-0a1b2c3d4e5f60002", priority: 100 },
    ],
    resources: [{ kind: "vip", name: "web-vip", address: "10.0.1.100" }],
    keepalived: { virtualRouterId: 51 },
  };
}

const parse = (base: () => Description, change?: (d: Description) => void) => parseDescription(changed(base, change));
const problemsOf = (base: () => Description, change: (d: Description) => void) => refusalOf(changed(base, change));

describe("a node's interfaces in the cluster description", () => {
  it("reads a description written before as before: one interface, the node's own, eth0 when not named", () => {
    const [a, b] = parse(oneInterface).nodes;
    expect(a).toMatchObject({ interface: "ens5", networkInterfaceId: "eni-0a1b2c3d4e5f6a001", address: "10.0.1.10" });
    expect(a!.interfaces).toEqual([{ name: "ens5", address: "10.0.1.10", networkInterfaceId: "eni-0a1b2c3d4e5f6a001" }]);
    expect(b!.interface).toBe("eth0");
    expect(b!.networkInterfaceId).toBeUndefined();
    expect(b!.interfaces).toEqual([{ name: "eth0", address: "10.0.1.11" }]);
  });

  it("takes the first listed interface as the node's own: its name, ENI and address", () => {
    const d = parse(twoInterfaces, (d) => (d.nodes[0].interfaces[0] = { name: "ens5", networkInterfaceId: "eni-0a1b2c3d4e5f6a001" }));
    const a = d.nodes[0]!;
    expect(a.interface).toBe("ens5");
    expect(a.networkInterfaceId).toBe("eni-0a1b2c3d4e5f6a001");
    expect(a.interfaces.map((i) => [i.name, i.address])).toEqual([
      ["ens5", "10.0.1.10"],
      ["eth1", "10.0.2.10"],
    ]);
  });

  it("accepts the first interface's fields in both places when they agree", () => {
    const d = parse(twoInterfaces, (d) => {
      d.nodes[0].interface = "eth0";
      d.nodes[0].interfaces[0].address = "10.0.1.10";
    });
    expect(d.nodes[0]!.interface).toBe("eth0");
  });

  it.each<[string, (d: Description) => void, ConfigProblem]>([
    [
      "a vip on an interface one node does not list",
      (d) => {
        d.resources = [d.resources[0]];
        d.nodes[1].interfaces.pop();
      },
      {
        path: "resources[0].interface",
        message:
          "node lb-b has no interface eth1, which vip web-vip uses: list it in nodes[1].interfaces (interfaces: [{ name: eth0 }, { name: eth1, address: … }]) or name one every node has",
      },
    ],
    [
      "a route on an interface no node lists",
      (d) => {
        d.resources = [d.resources[2]];
        d.resources[0].interface = "eth2";
        d.nodes[1].interfaces.pop();
        d.nodes[0].interfaces.pop();
      },
      {
        path: "resources[0].interface",
        message:
          "nodes lb-a, lb-b have no interface eth2, which route overlay uses: list it in nodes[0].interfaces, nodes[1].interfaces (interfaces: [{ name: eth0 }, { name: eth2, address: … }]) or name one every node has",
      },
    ],
    [
      "the same interface listed twice on a node",
      (d) => d.nodes[0].interfaces.push({ name: "eth1", address: "10.0.2.20" }),
      { path: "nodes[0].interfaces[2].name", message: '"eth1" is listed twice on node lb-a; list each interface once' },
    ],
    [
      "a first interface named differently on the node and in its list",
      (d) => (d.nodes[0].interface = "ens5"),
      {
        path: "nodes[0].interfaces[0].name",
        message: '"eth0" differs from the node\'s interface ("ens5"): interfaces[0] is the node\'s first interface; give its name once',
      },
    ],
    [
      "a first interface whose address is not the node's",
      (d) => (d.nodes[1].interfaces[0].address = "10.0.1.12"),
      {
        path: "nodes[1].interfaces[0].address",
        message:
          '"10.0.1.12" differs from the node\'s address ("10.0.1.11"): interfaces[0] is the node\'s first interface; give its address once',
      },
    ],
    [
      "a vip outside the subnet of the interface it names",
      (d) => (d.nodes[1].interfaces[1].address = "10.0.3.11"),
      {
        path: "resources[0].address",
        message:
          "10.0.2.100/24 is not in the subnet of node lb-b on eth1 (10.0.3.11); a secondary private IP can only move between ENIs of one subnet (use a route resource across subnets)",
      },
    ],
    [
      "a vip on an interface whose address is not given",
      (d) => delete d.nodes[0].interfaces[1].address,
      {
        path: "nodes[0].interfaces[1].address",
        message:
          "node lb-a's interface eth1 has no address, but vip web-vip (resources[0]) is on it: give the interface's own private IPv4 in 10.0.2.100/24",
      },
    ],
    [
      "an eip on another interface than the vip it points at",
      (d) => delete d.resources[1].interface,
      {
        path: "resources[1].interface",
        message: "web-eip points at vip web-vip, which is on eth1 on node lb-a: give the eip the vip's interface",
      },
    ],
    [
      "one ENI as two interfaces",
      (d) => (d.nodes[0].interfaces[1].networkInterfaceId = "eni-0a1b2c3d4e5f6b002"),
      {
        path: "nodes[1].interfaces[1].networkInterfaceId",
        message: '"eni-0a1b2c3d4e5f6b002" is another interface\'s ENI; every interface has an ENI of its own',
      },
    ],
    [
      "one address on two interfaces",
      (d) => (d.nodes[1].interfaces[1].address = "10.0.2.10"),
      {
        path: "nodes[1].interfaces[1].address",
        message: '"10.0.2.10" is another interface\'s address; every interface needs its own address',
      },
    ],
    [
      "an interface name Linux cannot have",
      (d) => (d.nodes[0].interfaces[1].name = "eth1 up"),
      { path: "nodes[0].interfaces[1].name", message: "must be a Linux interface name" },
    ],
    [
      "an unknown key in an interface",
      (d) => (d.nodes[0].interfaces[1].mac = "0e:00:00:00:00:01"),
      { path: "nodes[0].interfaces[1]", message: 'unknown key "mac"; check the spelling against `aws-ha-gen init`' },
    ],
  ])("refuses %s, in one line naming the place", (_, change, expected) => {
    expect(problemsOf(twoInterfaces, change)).toEqual([expected]);
  });

  it("points an eip without privateAddress at each node's own address on the interface it names", () => {
    const problems = problemsOf(twoInterfaces, (d) => {
      d.resources = [{ kind: "eip", name: "web-eip", allocationId: "eipalloc-0a1b2c3d4e5f60e01", interface: "eth1" }];
      delete d.nodes[1].interfaces[1].address;
    });
    expect(problems).toEqual([
      {
        path: "nodes[1].interfaces[1].address",
        message:
          "node lb-b's interface eth1 has no address, but eip web-eip (resources[0]) points at it: give the interface's own private IPv4, or the eip a privateAddress",
      },
    ]);
  });
});

describe("what the generator makes of a second interface", () => {
  it("keepalived puts a vip and a route on eth1 with dev eth1, while VRRP stays on the node's first interface", () => {
    const conf = renderKeepalivedConf(parse(twoInterfaces), "lb-a", {
      clusterPath: "/etc/aws-ha/web.yaml",
      secrets: { vrrpAuthPass: "secret12" },
    });
    expect(conf).toMatch(/^\s*interface eth0$/m);
    expect(conf).toMatch(/^\s*10\.0\.2\.100\/24 dev eth1$/m);
    expect(conf).toMatch(/^\s*192\.168\.100\.1\/32 dev eth1$/m);
  });

  it("the IAM policy names every interface's ENI when each is known, and any ENI while one is not", () => {
    const enisOf = (d: Description) => buildIamPolicy(parseDescription(d)).Statement.find((s) => s.Sid === "MoveVirtualIps")!.Resource;
    const known = twoInterfaces();
    known.nodes[0].networkInterfaceId = "eni-0a1b2c3d4e5f6a001";
    known.nodes[0].interfaces[1].networkInterfaceId = "eni-0a1b2c3d4e5f6b001";
    known.nodes[1].networkInterfaceId = "eni-0a1b2c3d4e5f6a002";
    expect(enisOf(known)).toEqual([
      "arn:aws:ec2:*:*:network-interface/eni-0a1b2c3d4e5f6a001",
      "arn:aws:ec2:*:*:network-interface/eni-0a1b2c3d4e5f6b001",
      "arn:aws:ec2:*:*:network-interface/eni-0a1b2c3d4e5f6a002",
      "arn:aws:ec2:*:*:network-interface/eni-0a1b2c3d4e5f6b002",
    ]);
    delete known.nodes[0].interfaces[1].networkInterfaceId;
    expect(enisOf(known)).toEqual(["arn:aws:ec2:*:*:network-interface/*"]);
  });
});

describe("aws-ha-gen init's example", () => {
  it("its commented second interface and vip on eth1, uncommented, validate and put the vip on eth1", () => {
    // A block starts at "# interfaces:" or at the vip named backend-ip, and runs while its lines are
    // commented-out YAML ("# key: …", "# - …"); the prose comments around it stay.
    const lines = exampleDescription.split("\n");
    const yamlLine = /^(\s*)# ((?:- )?[a-zA-Z0-9]+:.*|\s+.*:.*)$/;
    const uncommented = [...lines];
    lines.forEach((line, i) => {
      if (!/^\s*# interfaces:$/.test(line) && !(/^\s*# - kind: vip$/.test(line) && lines[i + 1]?.includes("backend-ip"))) return;
      for (let j = i; j < lines.length && yamlLine.test(lines[j]!); j++) uncommented[j] = lines[j]!.replace(yamlLine, "$1$2");
    });
    const d = parseClusterDescription(uncommented.join("\n"), "cluster.yaml");
    expect(d.nodes.map((n) => n.interfaces.map((i) => i.name))).toEqual([
      ["eth0", "eth1"],
      ["eth0", "eth1"],
    ]);
    expect(d.resources.find((r) => r.name === "backend-ip")).toMatchObject({ kind: "vip", interface: "eth1" });
  });
});
