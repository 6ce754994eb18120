import { afterEach, describe, expect, it } from "vitest";
import { nodeA, resource, type ResourceInput } from "./support/cluster-fixture";
import { given } from "./support/given";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";
import { cloudHolders } from "./support/world-view";

// An Elastic IP rides on the VIP, and with `release: true` the node that gives the VIP up also
// disassociates it. EC2's DisassociateAddress names only the association id, which moves with the
// VIP: the new master's AssignPrivateIpAddresses, applied between the releasing node's last read
// and its DisassociateAddress, loses its Elastic IP to that call. The releasing node then finds the
// VIP on the peer and gives the Elastic IP back to it, while it is associated nowhere.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The Elastic IP on the VIP, with `release: true`. */
function eipReleased(): ResourceInput {
  return { ...(resource.eip() as Extract<ResourceInput, { kind: "eip" }>), release: true };
}

/** A holds the VIP and the Elastic IP on it. */
function startWithBothOnA(): Promise<TwoNodeWorld> {
  return startTwoNodeWorld({
    resources: () => [resource.vip(), eipReleased()],
    given: (spec) => {
      given.vipOn(spec, nodeA);
      given.eipOn(spec, nodeA);
    },
  });
}

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; !condition(); await new Promise((r) => setTimeout(r, 10)))
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
}

describe("given node A holds the VIP and its Elastic IP, which A disassociates when it releases", () => {
  it("B's takeover applied inside A's disassociation leaves the Elastic IP on the VIP at B", async () => {
    world = await startWithBothOnA();
    const w = world;
    // A's DisassociateAddress is in flight for 2 s before EC2 acts on it: B's takeover lands inside.
    w.ec2.faults.inject({ kind: "latency", ms: 2000, action: "DisassociateAddress" });
    const since = Date.now();

    const backup = w.a.run(["backup"]);
    await until(() => w.ec2.calls.arrivals("DisassociateAddress") === 1, 20_000, "A's DisassociateAddress arrived");
    const master = await w.b.run(["master"]);
    expect(master.code, master.stderr).toBe(0);
    expect(master.stderr).toMatch(/came along with 10\.0\.1\.100/);
    const released = await backup;

    expect(released.code, released.stderr).toBe(0);
    expect(cloudHolders(w.snapshot())).toMatchObject({ vip: "node-b", eip: "node-b" });
    // The race really happened: A's DisassociateAddress removed the association B's assignment had moved.
    const actions = w.ec2.calls
      .all(since)
      .filter(
        (c) =>
          !c.dryRun && c.error === undefined && ["AssignPrivateIpAddresses", "DisassociateAddress", "AssociateAddress"].includes(c.action),
      )
      .map((c) => `${c.action}${c.action === "AssociateAddress" ? ` AllowReassociation=${c.params.AllowReassociation}` : ""}`);
    expect(actions).toEqual(["AssignPrivateIpAddresses", "DisassociateAddress", "AssociateAddress AllowReassociation=false"]);
    expect(released.stderr).toMatch(
      /10\.0\.1\.100 moved to a peer while eipalloc-\S+ was being disassociated: associated it with 10\.0\.1\.100 on eni-\S+ \(node-b/,
    );
  });

  it("without a takeover the Elastic IP is disassociated and stays so", async () => {
    world = await startWithBothOnA();

    const released = await world.a.run(["backup"]);

    expect(released.code, released.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "nobody" });
    expect(world.ec2.calls.of("AssociateAddress").filter((c) => !c.dryRun)).toEqual([]);
  });
});
