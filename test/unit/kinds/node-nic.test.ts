import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseClusterDescription } from "../../../src/cluster/parse";
import { AwsHaError } from "../../../src/errors";
import { exitCodeFor } from "../../../src/exit-codes";
import { nicDuring, nicOf, type NicScope } from "../../../src/kinds/node-nic";

// Which ENI a resource acts on here: the node's first interface costs no request at all (the
// failover's cold start is measured); another interface must be on this machine, and its ENI is the
// description's or the one IMDS names for the interface's MAC, asked once per transition.

const eth1Mac = "0e:01:5a:00:00:02";

function scopeOf(options: { eth1Eni?: string; links?: { name: string; mac: string }[] } = {}) {
  const description = parseClusterDescription(
    stringify({
      cluster: "web",
      manager: "pacemaker",
      nodes: [
        {
          name: "lb-a",
          address: "10.0.1.10",
          instanceId: "i-0a1b2c3d4e5f60001",
          priority: 150,
          interfaces: [
            { name: "eth0" },
            { name: "eth1", address: "10.0.2.10", ...(options.eth1Eni ? { networkInterfaceId: options.eth1Eni } : {}) },
          ],
        },
        {
          name: "lb-b",
          address: "10.0.1.11",
          instanceId: "i-0a1b2c3d4e5f60002",
          priority: 100,
          interfaces: [{ name: "eth0" }, { name: "eth1", address: "10.0.2.11" }],
        },
      ],
      resources: [],
    }),
    "cluster.yaml",
  );
  const asked = { links: 0, macs: [] as string[] };
  const scope: NicScope = {
    self: description.nodes[0]!,
    networkInterfaceId: "eni-0aaaaaaaaaaaaaaa1",
    host: {
      links: async () => {
        asked.links++;
        return (
          options.links ?? [
            { name: "eth0", mac: "0e:01:5a:00:00:01" },
            { name: "eth1", mac: eth1Mac },
          ]
        ).map((l) => ({ ...l, up: true }));
      },
    },
    imds: {
      interfaceIdOf: async (mac) => {
        asked.macs.push(mac);
        return "eni-0bbbbbbbbbbbbbbb1";
      },
    },
  };
  return { scope, asked };
}

describe("the ENI behind a node interface", () => {
  it("is the transition's own ENI for the first interface, named or not, without reading the links or asking IMDS", async () => {
    const { scope, asked } = scopeOf();

    expect(await nicOf(scope, undefined)).toEqual({ name: "eth0", networkInterfaceId: "eni-0aaaaaaaaaaaaaaa1" });
    expect(await nicOf(scope, "eth0")).toEqual({ name: "eth0", networkInterfaceId: "eni-0aaaaaaaaaaaaaaa1" });
    expect(asked).toEqual({ links: 0, macs: [] });
  });

  it("is found by the interface's MAC in IMDS for another interface the description gives no ENI", async () => {
    const { scope, asked } = scopeOf();

    expect(await nicOf(scope, "eth1")).toEqual({ name: "eth1", networkInterfaceId: "eni-0bbbbbbbbbbbbbbb1" });
    expect(asked).toEqual({ links: 1, macs: [eth1Mac] });
  });

  it("is the description's when it names one, and IMDS is not asked; the interface must still be here", async () => {
    const { scope, asked } = scopeOf({ eth1Eni: "eni-0ccccccccccccccc1" });

    expect(await nicOf(scope, "eth1")).toEqual({ name: "eth1", networkInterfaceId: "eni-0ccccccccccccccc1" });
    expect(asked).toEqual({ links: 1, macs: [] });
  });

  it("an interface missing on this machine is an error naming it and the node, exit 5 (something this node needs is missing)", async () => {
    const { scope, asked } = scopeOf({ eth1Eni: "eni-0ccccccccccccccc1", links: [{ name: "eth0", mac: "0e:01:5a:00:00:01" }] });

    const failure = await nicOf(scope, "eth1").catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(AwsHaError);
    expect((failure as AwsHaError).message).toBe("interface eth1 of node lb-a does not exist on this machine");
    expect((failure as AwsHaError).details.fix).toContain("correct nodes[].interfaces of lb-a");
    expect(exitCodeFor(failure)).toBe(5);
    expect(asked.macs).toEqual([]);
  });

  it("is looked up once per transition however many resources and steps ask, and again in the next transition", async () => {
    const { scope, asked } = scopeOf();
    const first = {};
    const second = {};

    await Promise.all([nicDuring(first, scope, "eth1"), nicDuring(first, scope, "eth1"), nicDuring(first, scope, "eth1")]);
    await nicDuring(second, scope, "eth1");

    expect(asked).toEqual({ links: 2, macs: [eth1Mac, eth1Mac] });
  });
});
