import { afterEach, describe, expect, it } from "vitest";
import { nodeB, type ResourceInput } from "./support/cluster-fixture";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";

// A whole ENI seen by the shipped aws-ha-notify over HTTP: `show` and `--dry-run` say where it is
// attached, and a master whose peer keeps it, with fencing off, fails with one line and attaches
// nothing. (Its move end to end needs the interface to appear on the node: the contract suite
// covers that with a fake machine, the lab with a veth.)

const eniId = "eni-0a1b2c3d4e5f60f01";
const appliance = (): ResourceInput[] => [{ kind: "eni", name: "appliance", networkInterfaceId: eniId, deviceIndex: 1, interface: "eth1" }];

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The stand-in's world with the ENI attached to B as its second interface. */
const givenOnB = () =>
  startTwoNodeWorld({
    resources: appliance,
    fencing: { enabled: false, peerReleaseTimeout: 1 },
    given: (spec) =>
      Object.assign(
        spec.interfaces.find((e) => e.networkInterfaceId === eniId)!,
        { instanceId: nodeB.instanceId, deviceIndex: 1 },
      ),
  });

describe("a whole ENI through aws-ha-notify", () => {
  it("show says which node has it attached, at which device index, and that it is not here", async () => {
    world = await givenOnB();

    const shown = await world.a.run(["show"]);

    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      new RegExp(`^appliance +eni +no +${eniId} \\([0-9a-f:]{17}\\) attached to node-b, ${nodeB.instanceId} as device 1$`, "m"),
    );
    expect(world.mutatingCalls()).toEqual([]);
  });

  it("--dry-run plans its acquire and changes nothing", async () => {
    world = await givenOnB();
    const before = world.snapshot();

    const plan = await world.a.run(["master", "--dry-run"]);

    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("  acquire eni appliance: now");
    expect(world.mutatingCalls()).toEqual([]);
    expect(world.snapshot()).toEqual(before);
  });

  it("a master whose peer keeps it past peerReleaseTimeout, with fencing off, fails in one line and attaches nothing", async () => {
    world = await givenOnB();

    const taken = await world.a.run(["master"]);

    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(
      `eni appliance: attached to ${nodeB.instanceId} (attached) for 1 s; enable fencing or detach it by hand`,
    );
    expect(world.mutatingCalls()).toEqual([]);
    expect(world.snapshot().interfaces.find((e) => e.networkInterfaceId === eniId)).toMatchObject({ instanceId: nodeB.instanceId });
  });

  it("an ENI in another AZ than the node: one line naming it, exit 6 (not configured), nothing changed", async () => {
    world = await startTwoNodeWorld({
      resources: appliance,
      given: (spec) => {
        spec.subnets.push({ subnetId: "subnet-0b000000000000002", cidr: "10.0.9.0/24", availabilityZone: "us-east-1b" });
        Object.assign(
          spec.interfaces.find((e) => e.networkInterfaceId === eniId)!,
          { subnetId: "subnet-0b000000000000002", privateIps: ["10.0.9.20"] },
        );
      },
    });

    const taken = await world.a.run(["master"]);

    expect(taken.code).toBe(6);
    expect(taken.stderr).toContain(
      `ERROR eni appliance: ${eniId} is in us-east-1b but this node is in us-east-1a; an ENI attaches only within its own AZ, so nothing was attached`,
    );
    expect(world.mutatingCalls()).toEqual([]);
  });

  it("check proves AttachNetworkInterface with a DryRun, says how the ENI will be found, and fails when the role lacks it", async () => {
    world = await givenOnB();

    const allowed = await world.a.run(["check"]);

    expect(allowed.code, allowed.stdout).toBe(0);
    expect(allowed.stdout).toContain("ok    permission: AttachNetworkInterface appliance allowed (DryRun)");
    expect(allowed.stdout).toMatch(/^ok {4}interface appliance: will be found by its MAC [0-9a-f:]{17} once attached$/m);

    world.ec2.faults.inject({ kind: "deny", actions: ["AttachNetworkInterface"] });
    const denied = await world.a.run(["check"]);

    expect(denied.code).toBe(4);
    expect(denied.stdout).toContain("FAIL  permission: AttachNetworkInterface appliance denied: add ec2:AttachNetworkInterface");
    expect(world.mutatingCalls()).toEqual([]);
  });
});
