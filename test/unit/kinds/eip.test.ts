import { describe, expect, it } from "vitest";
import type { EipSpec } from "../../../src/kinds/eip/schema";
import type { Resource } from "../../../src/kinds/resource";
import { EipResource } from "../../../src/kinds/eip/resource";
import { a, b, clusterOf, onNode, transition, twoNodeEc2, zone } from "../support/cluster";

const allocationId = "eipalloc-0abc00000000000e1";

function world(options: { release?: boolean; privateAddress?: string; associatedWith?: { eni: string; ip: string } } = {}) {
  const description = clusterOf([
    { kind: "eip", name: "web-eip", allocationId, privateAddress: options.privateAddress, release: options.release ?? false },
  ]);
  const ec2 = twoNodeEc2();
  const association = options.associatedWith && { networkInterfaceId: options.associatedWith.eni, privateIp: options.associatedWith.ip };
  ec2.addAddress(allocationId, "198.51.100.10", association);
  const eip: Resource = new EipResource(description.resources[0] as EipSpec);
  return { ec2, eip, nodeA: onNode(a, description, ec2), nodeB: onNode(b, description, ec2) };
}

describe("an Elastic IP", () => {
  it("given it points at node B's own address, when A acquires, it points at A's own address on A's ENI", async () => {
    const { ec2, eip, nodeA } = world({ associatedWith: { eni: b.networkInterfaceId, ip: b.address } });

    const { before, outcome } = await transition(eip, nodeA.ctx, "acquire");

    expect(before).toMatchObject({
      held: false,
      holder: b.instanceId,
      detail: `198.51.100.10 → ${b.address} on ${b.networkInterfaceId} (node-b, ${b.instanceId})`,
    });
    expect(outcome).toBe("changed");
    expect(ec2.calls).toEqual([`associateAddress ${allocationId} ${a.networkInterfaceId} ${a.address}`]);
    expect(ec2.addresses.get(allocationId)).toMatchObject({
      networkInterfaceId: a.networkInterfaceId,
      privateIp: a.address,
      instanceId: a.instanceId,
    });
    expect(await eip.inspect(nodeA.ctx)).toMatchObject({
      held: true,
      detail: `198.51.100.10 → ${a.address} on ${a.networkInterfaceId} (this node)`,
    });
  });

  it("an EIP declared on a VIP is held only when it points at that VIP, not at our own address", async () => {
    const { ec2, eip, nodeA } = world({ privateAddress: "10.0.1.100", associatedWith: { eni: a.networkInterfaceId, ip: a.address } });
    ec2.interfaces.get(a.networkInterfaceId)!.privateIps.push("10.0.1.100");
    const { before } = await transition(eip, nodeA.ctx, "acquire");
    expect(before).toMatchObject({ held: false, partial: true });
    expect(ec2.addresses.get(allocationId)).toMatchObject({ networkInterfaceId: a.networkInterfaceId, privateIp: "10.0.1.100" });
  });

  it("acquiring an EIP this node already holds makes no mutating call", async () => {
    const { ec2, eip, nodeA } = world({ associatedWith: { eni: a.networkInterfaceId, ip: a.address } });
    expect((await transition(eip, nodeA.ctx, "acquire")).outcome).toBe("unchanged");
    expect(ec2.calls).toEqual([]);
  });

  it("an unassociated EIP says so", async () => {
    const { eip, nodeA } = world();
    expect(await eip.inspect(nodeA.ctx)).toMatchObject({ held: false, detail: "198.51.100.10 is not associated" });
  });

  it("releasing without the release flag makes no EC2 call", async () => {
    const { ec2, eip, nodeA } = world({ associatedWith: { eni: a.networkInterfaceId, ip: a.address } });
    expect((await transition(eip, nodeA.ctx, "release")).outcome).toBe("unchanged");
    expect(ec2.calls).toEqual([]);
    expect(ec2.addresses.get(allocationId)!.networkInterfaceId).toBe(a.networkInterfaceId);
  });

  it("with the release flag, a release disassociates by the association id that is still ours", async () => {
    const { ec2, eip, nodeA } = world({ release: true, associatedWith: { eni: a.networkInterfaceId, ip: a.address } });
    const associationId = ec2.addresses.get(allocationId)!.associationId;
    expect((await transition(eip, nodeA.ctx, "release")).outcome).toBe("changed");
    expect(ec2.calls).toEqual([`disassociateAddress ${associationId}`]);
    expect(ec2.addresses.get(allocationId)!.associationId).toBeUndefined();
  });

  it("with the release flag, a release after the peer re-pointed the EIP leaves it with the peer", async () => {
    const { ec2, eip, nodeA, nodeB } = world({ release: true, associatedWith: { eni: a.networkInterfaceId, ip: a.address } });
    const before = await eip.inspect(nodeA.ctx);
    await transition(eip, nodeB.ctx, "acquire");
    ec2.calls.length = 0;

    expect(await eip.release(nodeA.ctx, before)).toBe("unchanged");
    expect(ec2.calls).toEqual([]);
    expect(ec2.addresses.get(allocationId)!.networkInterfaceId).toBe(b.networkInterfaceId);
  });

  describe("on a VIP, released while the peer takes the VIP over", () => {
    const vip = "10.0.1.100";

    /** A holds the VIP and its EIP (release set); B's takeover is made to land inside A's disassociation. */
    function onVipOfA() {
      const made = world({ release: true, privateAddress: vip });
      made.ec2.interfaces.get(a.networkInterfaceId)!.privateIps.push(vip);
      made.ec2.addresses.get(allocationId)!.associationId = "eipassoc-0000000a";
      Object.assign(made.ec2.addresses.get(allocationId)!, {
        networkInterfaceId: a.networkInterfaceId,
        privateIp: vip,
        instanceId: a.instanceId,
      });
      return made;
    }

    /**
     * As EC2 can order them: A's disassociation checked the association id while it was A's, then B's
     * AssignPrivateIpAddresses moved the VIP and the EIP with it (same association id), then A's
     * DisassociateAddress by that id removed B's.
     */
    function takeoverInsideTheDisassociation(ec2: ReturnType<typeof world>["ec2"]): void {
      ec2.disassociateAddressFrom = async (id, eni) => {
        const address = ec2.addresses.get(id)!;
        if (address.networkInterfaceId !== eni) return false;
        const seen = address.associationId;
        await ec2.assignPrivateIp(b.networkInterfaceId, vip);
        ec2.calls.push(`disassociateAddress ${seen}`);
        for (const key of ["associationId", "networkInterfaceId", "privateIp", "instanceId"] as const) delete address[key];
        return true;
      };
    }

    it("the EIP the disassociation took from the peer goes back to the VIP on the peer's ENI", async () => {
      const { ec2, eip, nodeA } = onVipOfA();
      takeoverInsideTheDisassociation(ec2);
      const { lines } = nodeA;

      expect((await transition(eip, nodeA.ctx, "release")).outcome).toBe("changed");

      expect(ec2.calls).toEqual([
        `assignPrivateIp ${b.networkInterfaceId} ${vip}`,
        "disassociateAddress eipassoc-0000000a",
        `associateAddressIfFree ${allocationId} ${b.networkInterfaceId} ${vip}`,
      ]);
      expect(ec2.addresses.get(allocationId)).toMatchObject({
        networkInterfaceId: b.networkInterfaceId,
        privateIp: vip,
        instanceId: b.instanceId,
      });
      expect(lines.join("\n")).toMatch(
        /10\.0\.1\.100 moved to a peer while eipalloc-\S+ was being disassociated: associated it with 10\.0\.1\.100 on eni-\S+ \(node-b/,
      );
    });

    it("an EIP the peer has associated again by then stays as it is", async () => {
      const { ec2, eip, nodeA } = onVipOfA();
      takeoverInsideTheDisassociation(ec2);
      const disassociate = ec2.disassociateAddressFrom.bind(ec2);
      ec2.disassociateAddressFrom = async (id, eni) => {
        const done = await disassociate(id, eni);
        await ec2.associateAddress(id, b.networkInterfaceId, vip);
        return done;
      };

      expect((await transition(eip, nodeA.ctx, "release")).outcome).toBe("changed");

      expect(ec2.calls.at(-1)).toBe(`associateAddressIfFree ${allocationId} ${b.networkInterfaceId} ${vip}`);
      expect(ec2.calls.filter((c) => c.startsWith("associateAddress "))).toHaveLength(1);
      expect(ec2.addresses.get(allocationId)).toMatchObject({ networkInterfaceId: b.networkInterfaceId, privateIp: vip });
    });

    it("a VIP moved meanwhile to an instance outside the cluster does not take the EIP with it", async () => {
      const { ec2, eip, nodeA } = onVipOfA();
      ec2.addInstance("i-0ccccccccccccccc3", zone);
      ec2.addInterface({
        networkInterfaceId: "eni-0ccccccccccccccc3",
        subnetId: "subnet-0a1",
        availabilityZone: zone,
        privateIps: ["10.0.1.12"],
        sourceDestCheck: true,
        instanceId: "i-0ccccccccccccccc3",
      });
      const disassociate = ec2.disassociateAddressFrom.bind(ec2);
      ec2.disassociateAddressFrom = async (id, eni) => {
        const done = await disassociate(id, eni);
        await ec2.assignPrivateIp("eni-0ccccccccccccccc3", vip);
        return done;
      };

      expect((await transition(eip, nodeA.ctx, "release")).outcome).toBe("changed");

      expect(ec2.calls.filter((c) => c.startsWith("associateAddress"))).toEqual([]);
      expect(ec2.addresses.get(allocationId)!.associationId).toBeUndefined();
      expect(nodeA.lines.join("\n")).toMatch(/10\.0\.1\.100 is on eni-0ccccccccccccccc3 \(i-0ccccccccccccccc3\), no peer of this cluster/);
    });

    it("without a takeover, the VIP still on this ENI, the EIP stays disassociated", async () => {
      const { ec2, eip, nodeA } = onVipOfA();

      expect((await transition(eip, nodeA.ctx, "release")).outcome).toBe("changed");

      expect(ec2.calls).toEqual(["disassociateAddress eipassoc-0000000a"]);
      expect(ec2.addresses.get(allocationId)!.associationId).toBeUndefined();
    });

    it("a failed look after the disassociation is a warning, not a failed release", async () => {
      const { ec2, eip, nodeA } = onVipOfA();
      ec2.findInterfaceByPrivateIp = () => Promise.reject(new Error("UnauthorizedOperation: not allowed"));

      expect((await transition(eip, nodeA.ctx, "release")).outcome).toBe("changed");

      expect(nodeA.lines.join("\n")).toMatch(/disassociated, but whether 10\.0\.1\.100 moved meanwhile is unknown: .*not allowed/);
    });
  });
});
