import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseClusterDescription } from "../../../src/cluster/parse";
import type { PreflightContext } from "../../../src/kinds/preflight";
import { registeredKinds } from "../../../src/kinds/registry";
import { resourcesOf } from "../../../src/kinds/kind";
import { FakeEc2 } from "../support/fake-ec2";
import { FakeHost } from "../support/fake-host";

// `check` on a node whose resources use a second interface: the interface is on this machine, its
// ENI is found (by MAC in IMDS) and carries the interface's address, once however many kinds use
// it; a route's source/dest check is judged on the ENI the route targets.

const eth0Eni = "eni-0aaaaaaaaaaaaaaa1";
const eth1Eni = "eni-0aaaaaaaaaaaaaaa2";
const eth1Mac = "0e:01:5a:00:00:02";

function checkedNode(options: { eth1Here?: boolean; eth1Address?: string } = {}) {
  const d = parseClusterDescription(
    stringify({
      cluster: "web",
      manager: "keepalived",
      keepalived: { virtualRouterId: 51 },
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
          interfaces: [{ name: "eth0" }, { name: "eth1", address: "10.0.2.11" }],
        },
      ],
      resources: [
        { kind: "vip", name: "web-vip", address: "10.0.2.100", interface: "eth1" },
        { kind: "eip", name: "web-eip", allocationId: "eipalloc-0a1b2c3d4e5f60e01", privateAddress: "10.0.2.100", interface: "eth1" },
        { kind: "route", name: "overlay", address: "192.168.100.1", routeTables: ["rtb-0a1b2c3d4e5f60c01"], interface: "eth1" },
      ],
    }),
    "cluster.yaml",
  );
  const ec2 = new FakeEc2();
  const zone = { subnetId: "subnet-0aaaaaaaaaaaaaaa1", availabilityZone: "eu-west-1a", sourceDestCheck: true };
  ec2.addInterface({ networkInterfaceId: eth0Eni, privateIps: ["10.0.1.10"], ...zone });
  ec2.addInterface({
    networkInterfaceId: eth1Eni,
    privateIps: [options.eth1Address ?? "10.0.2.10"],
    ...zone,
    subnetId: "subnet-0aaaaaaaaaaaaaaa2",
  });
  const host = new FakeHost();
  host.fixedLinks.set("eth0", { mac: "0e:01:5a:00:00:01" });
  if (options.eth1Here !== false) host.fixedLinks.set("eth1", { mac: eth1Mac });
  const macsAsked: string[] = [];
  const ctx: PreflightContext = {
    description: d,
    self: d.nodes[0]!,
    identity: {
      instanceId: d.nodes[0]!.instanceId,
      region: "eu-west-1",
      availabilityZone: "eu-west-1a",
      mac: "0e:01:5a:00:00:01",
      networkInterfaceId: eth0Eni,
      localIpv4s: ["10.0.1.10"],
    },
    eni: eth0Eni,
    nic: ec2.interfaces.get(eth0Eni),
    imds: {
      interfaceIdOf: async (mac) => {
        macsAsked.push(mac);
        return eth1Eni;
      },
    },
    ec2,
    host,
  };
  return { ctx, macsAsked };
}

/** What every kind's preflight finds, in the registry's order, as `check` collects it. */
async function preflight(ctx: PreflightContext) {
  const findings = [];
  for (const { name, kind } of registeredKinds) {
    const specs = resourcesOf(ctx.description, name);
    if (kind.preflight && specs.length > 0) findings.push(...(await kind.preflight(ctx as never, specs as never)));
  }
  return findings.map((f) => `${f.verdict} ${f.topic}: ${f.message}`);
}

describe("check on a node with resources on eth1", () => {
  it("finds eth1 here and its ENI by MAC, says so once, and judges the route's source/dest check on the eth1 ENI", async () => {
    const { ctx, macsAsked } = checkedNode();

    expect(await preflight(ctx)).toEqual([
      `ok interface eth1: eth1 is here, on ${eth1Eni}, which carries 10.0.2.10 in subnet-0aaaaaaaaaaaaaaa2`,
      `warn source/dest check: on for ${eth1Eni} (eth1): the first acquire turns it off (routes need it off)`,
    ]);
    expect(macsAsked).toEqual([eth1Mac]);
  });

  it("fails, naming the interface and the node, when eth1 is not on this machine", async () => {
    const { ctx, macsAsked } = checkedNode({ eth1Here: false });

    expect(await preflight(ctx)).toEqual([
      "fail interface eth1: interface eth1 of node lb-a does not exist on this machine; attach the ENI that eth1 stands for to lb-a (ip -br link lists the interfaces here), or correct nodes[].interfaces of lb-a",
    ]);
    expect(macsAsked).toEqual([]);
  });

  it("fails when the ENI found for eth1 does not carry the address the description gives it", async () => {
    const { ctx } = checkedNode({ eth1Address: "10.0.2.99" });

    expect((await preflight(ctx))[0]).toBe(
      `fail interface eth1: ${eth1Eni} does not carry 10.0.2.10; correct nodes[].interfaces of lb-a (its address or networkInterfaceId)`,
    );
  });
});
