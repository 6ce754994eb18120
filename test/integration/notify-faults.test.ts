import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { cloudAndLocal, nodeB, resource } from "./support/cluster-fixture";
import { given } from "./support/given";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";
import { cloudHolders } from "./support/world-view";

// EC2 in a bad mood: throttling and server errors that the SDK's retries must absorb, throttling
// that outlasts them, and an IAM policy that lacks an action. Injected through the stand-in's faults.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const start = () => startTwoNodeWorld({ resources: cloudAndLocal, given: (spec) => given.cloudOn(spec, nodeB) });
const errorsOf = (w: TwoNodeWorld, action: string) => w.ec2.calls.of(action).map((c) => c.error ?? "ok");

describe("while A takes over from B, EC2 misbehaves", () => {
  it("throttling (RequestLimitExceeded) and 500/503 answers are retried and the takeover completes", async () => {
    world = await start();
    world.ec2.faults.inject({ kind: "throttle", count: 2, action: "AssignPrivateIpAddresses" });
    world.ec2.faults.inject({ kind: "server-error", count: 2, action: "DescribeAddresses" });
    world.ec2.faults.inject({ kind: "server-error", count: 1, action: "ReplaceRoute", code: "Unavailable" });

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a", route: "node-a" });
    expect(world.a.scripts.serviceRunning()).toBe(true);
    // The faults were really met, and each call was repeated until EC2 answered.
    expect(errorsOf(world, "AssignPrivateIpAddresses")).toEqual(["RequestLimitExceeded", "RequestLimitExceeded", "ok"]);
    expect(errorsOf(world, "DescribeAddresses").slice(0, 3)).toEqual(["InternalError", "InternalError", "ok"]);
    expect(errorsOf(world, "ReplaceRoute")).toEqual(["Unavailable", "ok"]);
  });

  it("throttling that outlasts the retries fails the VIP by name (exit 1), and a re-run converges", async () => {
    world = await start();
    world.ec2.faults.inject({ kind: "throttle", count: 4, action: "AssignPrivateIpAddresses" });

    const first = await world.a.run(["master"]);

    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(
      /ERROR web-vip: eni-\w+: EC2 throttled AssignPrivateIpAddresses, even after retries \(RequestLimitExceeded\)/,
    );
    // The EIP points at the VIP's address, which is not on A yet: it waits for the VIP and is not attempted.
    expect(first.stderr).toMatch(/ERROR web-eip: not attempted because web-vip failed to acquire/);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-b", eip: "node-b", route: "node-a" });
    expect(world.a.scripts.serviceRunning()).toBe(false);

    const again = await world.a.run(["master"]);

    expect(again.code, again.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a", route: "node-a" });
    expect(world.a.scripts.serviceRunning()).toBe(true);
    // The route was already A's: the re-run left it alone.
    expect(world.ec2.calls.of("ReplaceRoute")).toHaveLength(1);
  });

  it("a denied action is named with the fix, exits 4, and what was allowed still moves", async () => {
    // The EIP is not associated yet, so A must associate it itself (it cannot come along with the VIP).
    world = await startTwoNodeWorld({
      resources: cloudAndLocal,
      given: (spec) => {
        given.vipOn(spec, nodeB);
        given.routeTo(spec, nodeB);
      },
    });
    world.ec2.faults.inject({ kind: "deny", actions: ["AssociateAddress"] });

    const master = await world.a.run(["master"]);

    expect(master.code).toBe(4);
    expect(master.stderr).toMatch(
      /ERROR web-eip: eipalloc-\w+: EC2 denied AssociateAddress \(UnauthorizedOperation\); add ec2:AssociateAddress to the node's role/,
    );
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "nobody", route: "node-a" });
    // Nothing is started on top of an incomplete takeover.
    expect(world.a.scripts.journal()).toEqual([]);
  });
});

describe("the instance metadata service does not answer", () => {
  it("a transition gives up within its bounds, says so, exits 1 and changes nothing", async () => {
    world = await start();
    world.imds.a.faults.blackhole = "all";

    const master = await world.a.run(["master"]);

    expect(master.code).toBe(1);
    expect(master.stderr).toMatch(
      /cannot reach the instance metadata service at http:\/\/127\.0\.0\.1:\d+ \(no answer within 1000 ms, 3 tries\)/,
    );
    // timeouts.metadata is 1 s a try; three tries and their backoff, plus the start-up.
    expect(master.ms).toBeLessThan(8_000);
    expect(world.mutatingCalls()).toEqual([]);
    expect(existsSync(world.a.lockFile)).toBe(false);
  });
});

describe("aws-ha-notify check", () => {
  const startForCheck = () =>
    startTwoNodeWorld({ resources: (node) => [resource.vip(), resource.eip(), resource.route(), resource.volume(node)] });

  it("proves every permission with DryRun and changes nothing", async () => {
    world = await startForCheck();
    const before = world.snapshot();
    const since = Date.now();

    const check = await world.a.run(["check"]);

    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^ok {4}identity: i-0a1b2c3d4e5f6000a in us-east-1a/m);
    // No route yet: CreateRoute, which the first master sends, is proven in ReplaceRoute's place.
    for (const action of ["AssociateAddress web-eip", "CreateRoute overlay rtb-", "AttachVolume data", "DetachVolume data"])
      expect(check.stdout).toContain(`ok    permission: ${action}`);
    expect(check.stdout).not.toMatch(/^FAIL/m);
    expect(world.snapshot()).toEqual(before);
    // Every call that could change something was a DryRun, or the harmless probe EC2 refuses.
    const changing = world.mutatingCalls(since);
    expect(changing.map((c) => `${c.action} ${c.error}`)).toEqual(["UnassignPrivateIpAddresses InvalidParameterValue"]);
  });

  it("one denied action: a FAIL line naming it, exit 4", async () => {
    world = await startForCheck();
    world.ec2.faults.inject({ kind: "deny", actions: ["AttachVolume"] });

    const check = await world.a.run(["check"]);

    expect(check.code).toBe(4);
    const failures = check.stdout.split("\n").filter((line) => line.startsWith("FAIL"));
    expect(failures).toEqual([
      "FAIL  permission: AttachVolume data denied: add ec2:AttachVolume to the node's role (aws-ha-gen iam-policy)",
    ]);
  });
});
