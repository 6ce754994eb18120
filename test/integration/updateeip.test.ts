import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closedPort } from "./support/closed-port";
import { ids } from "./support/cluster-fixture";
import { builtCli, runCli, type CliRun } from "./support/run-cli";
import { heartbeatEipWorld } from "./support/heartbeat-eip-world";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";

// aws-ha-updateeip as Heartbeat runs a haresources script: the built file, a child process, the
// arguments of `aws-ha-updateeip::ARG::ARG` before the action, and each node's process talking to
// the EC2 stand-in and to its own metadata service. Scenarios assert on the stand-in's world and
// call log, and on what Heartbeat reads: the status text, the exit codes, one line on stderr.

const bin = builtCli("aws-ha-updateeip");
/** The description's Elastic IP, pointed at the holder's primary address. */
const webEip = { name: "web-eip", allocationId: ids.allocationId, publicIp: ids.publicIp } as const;
/** An Elastic IP of the account that the description does not name. */
const otherEip = { allocationId: ids.otherAllocationId, publicIp: ids.otherPublicIp } as const;

let world: TwoNodeWorld;
beforeEach(async () => {
  world = await startTwoNodeWorld(heartbeatEipWorld);
});
afterEach(async () => {
  await world.close();
});

/** Runs the resource on a node, which finds its description through AWS_HA_CLUSTER. */
function updateeip(node: "a" | "b", args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCli([bin, ...args], world[node].envWith({ AWS_HA_CLUSTER: world[node].clusterFile, ...env }));
}

/** The mutating EC2 actions called since `since`. */
function mutatingCalls(since: number): string[] {
  return world.mutatingCalls(since).map((c) => c.action);
}

/** What the operator reads in Heartbeat's debug log: one error line saying what failed and what to do. */
function oneLine(run: CliRun): string {
  const errors = run.stderr.split("\n").filter((l) => l.startsWith("ERROR "));
  expect(errors, run.stderr).toHaveLength(1);
  return errors[0]!;
}

describe("start, stop and status on two nodes", () => {
  it("start on A points the Elastic IP at A's primary address and confirms it", async () => {
    const start = await updateeip("a", [webEip.allocationId, "start"]);
    expect(start.code, start.stderr).toBe(0);
    expect(world.association(webEip.allocationId)).toMatchObject({
      networkInterfaceId: world.a.networkInterfaceId,
      privateIp: world.a.address,
    });
    // Confirmed: the address was described again after the association.
    const actions = world.ec2.calls.all().map((c) => c.action);
    expect(actions.lastIndexOf("DescribeAddresses")).toBeGreaterThan(actions.indexOf("AssociateAddress"));
  });

  it("status says running (0) on the holder and stopped (3) on the other node", async () => {
    await updateeip("a", [webEip.allocationId, "start"]);
    const onA = await updateeip("a", [webEip.allocationId, "status"]);
    expect(onA).toMatchObject({ code: 0, stdout: `aws-ha-updateeip ${webEip.allocationId} is running\n` });
    const onB = await updateeip("b", [webEip.allocationId, "status"]);
    expect(onB).toMatchObject({ code: 3, stdout: `aws-ha-updateeip ${webEip.allocationId} is stopped\n` });
    expect(onB.stdout).not.toMatch(/running/i);
  });

  it("status of an address nobody holds is stopped on both nodes, and asks EC2 nothing mutating", async () => {
    const since = Date.now();
    for (const node of ["a", "b"] as const) {
      const status = await updateeip(node, [webEip.allocationId, "status"]);
      expect(status.code).toBe(3);
      expect(status.stdout).toContain("is stopped");
    }
    expect(mutatingCalls(since)).toEqual([]);
  });

  it("a second start on the holder changes nothing in EC2", async () => {
    await updateeip("a", [webEip.allocationId, "start"]);
    const since = Date.now();
    const again = await updateeip("a", [webEip.allocationId, "start"]);
    expect(again.code, again.stderr).toBe(0);
    expect(mutatingCalls(since)).toEqual([]);
  });

  it("B takes the address over from A by reassociation, and A then reports stopped", async () => {
    await updateeip("a", [webEip.allocationId, "start"]);
    const takeover = await updateeip("b", [webEip.allocationId, "start"]);
    expect(takeover.code, takeover.stderr).toBe(0);
    expect(world.association(webEip.allocationId)).toMatchObject({
      networkInterfaceId: world.b.networkInterfaceId,
      privateIp: world.b.address,
    });
    expect((await updateeip("a", [webEip.allocationId, "status"])).code).toBe(3);
    expect((await updateeip("b", [webEip.allocationId, "status"])).code).toBe(0);
  });

  it("try-restart (LSB) restarts only where the address is held", async () => {
    const since = Date.now();
    const idle = await updateeip("b", [webEip.allocationId, "try-restart"]);
    expect(idle.code, idle.stderr).toBe(0);
    expect(mutatingCalls(since)).toEqual([]);
    expect(world.association(webEip.allocationId).associationId).toBeUndefined();
    await updateeip("a", [webEip.allocationId, "start"]);
    const held = await updateeip("a", [webEip.allocationId, "try-restart"]);
    expect(held.code, held.stderr).toBe(0);
    expect(world.association(webEip.allocationId).networkInterfaceId).toBe(world.a.networkInterfaceId);
  });

  it("restart and force-reload (LSB) leave the address here", async () => {
    for (const action of ["restart", "force-reload"]) {
      const run = await updateeip("a", [webEip.allocationId, action]);
      expect(run.code, `${action}: ${run.stderr}`).toBe(0);
      expect(world.association(webEip.allocationId).networkInterfaceId).toBe(world.a.networkInterfaceId);
    }
  });
});

describe("the arguments haresources passes (aws-ha-updateeip::ARG::ARG)", () => {
  it("takes the public IP instead of the allocation id", async () => {
    const start = await updateeip("a", [webEip.publicIp, "start"]);
    expect(start.code, start.stderr).toBe(0);
    expect(world.association(webEip.allocationId).networkInterfaceId).toBe(world.a.networkInterfaceId);
    const status = await updateeip("a", [webEip.publicIp, "status"]);
    expect(status).toMatchObject({ code: 0, stdout: `aws-ha-updateeip ${webEip.publicIp} is running\n` });
  });

  it("points the address at the given private IP of this instance", async () => {
    const start = await updateeip("a", [webEip.allocationId, ids.secondaryAddress, "start"]);
    expect(start.code, start.stderr).toBe(0);
    expect(world.association(webEip.allocationId)).toMatchObject({
      networkInterfaceId: world.a.networkInterfaceId,
      privateIp: ids.secondaryAddress,
    });
    expect((await updateeip("a", [webEip.allocationId, ids.secondaryAddress, "status"])).code).toBe(0);
    // Pointed at another address than the one asked for: not the resource Heartbeat started.
    expect((await updateeip("a", [webEip.allocationId, "status"])).code).toBe(3);
  });

  it("needs no cluster description for an address it is given (public IP and private IP)", async () => {
    const env = { AWS_HA_CLUSTER: join(world.dir, "absent.yaml") };
    // Without a description the lock lives in the default run directory, /run/aws-ha.
    const runDir = "/run/aws-ha";
    const hadRunDir = existsSync(runDir);
    const hadEvents = existsSync(join(runDir, "updateeip.events"));
    try {
      const start = await updateeip("a", [otherEip.publicIp, ids.secondaryAddress, "start"], env);
      expect(start.code, start.stderr).toBe(0);
      expect(world.association(otherEip.allocationId)).toMatchObject({
        networkInterfaceId: world.a.networkInterfaceId,
        privateIp: ids.secondaryAddress,
      });
      const status = await updateeip("a", [otherEip.allocationId, ids.secondaryAddress, "status"], env);
      expect(status).toMatchObject({ code: 0, stdout: `aws-ha-updateeip ${otherEip.allocationId} is running\n` });
      expect((await updateeip("b", [otherEip.publicIp, "status"], env)).code).toBe(3);
    } finally {
      if (!hadRunDir) rmSync(runDir, { recursive: true, force: true });
      else if (!hadEvents) rmSync(join(runDir, "updateeip.events"), { recursive: true, force: true });
    }
  });

  it("with no address moves the Elastic IPs of the cluster description", async () => {
    const start = await updateeip("a", ["start"]);
    expect(start.code, start.stderr).toBe(0);
    expect(world.association(webEip.allocationId).networkInterfaceId).toBe(world.a.networkInterfaceId);
    const status = await updateeip("a", ["status"]);
    expect(status.code).toBe(0);
    expect(status.stdout).toBe(`aws-ha-updateeip ${webEip.name} is running\n`);
    expect((await updateeip("b", ["status"])).stdout).toBe(`aws-ha-updateeip ${webEip.name} is stopped\n`);
  });
});

describe("stop", () => {
  it("changes nothing in EC2 by default, even while the address is here", async () => {
    await updateeip("a", [webEip.allocationId, "start"]);
    const before = world.association(webEip.allocationId);
    const since = Date.now();
    const stop = await updateeip("a", [webEip.allocationId, "stop"]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(world.ec2.calls.all(since).map((c) => c.action)).toEqual([]);
    expect(world.association(webEip.allocationId)).toEqual(before);
  });

  it("with --release disassociates the address while it is still this instance's", async () => {
    await updateeip("a", [webEip.allocationId, "start"]);
    const stop = await updateeip("a", ["--release", webEip.allocationId, "stop"]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(world.association(webEip.allocationId).associationId).toBeUndefined();
    expect((await updateeip("a", [webEip.allocationId, "status"])).code).toBe(3);
    // Stopping a stopped resource succeeds and asks EC2 to change nothing.
    const since = Date.now();
    const again = await updateeip("a", ["--release", webEip.allocationId, "stop"]);
    expect(again.code, again.stderr).toBe(0);
    expect(mutatingCalls(since)).toEqual([]);
  });

  it("with --release leaves alone an address the peer has taken meanwhile", async () => {
    await updateeip("a", [webEip.allocationId, "start"]);
    await updateeip("b", [webEip.allocationId, "start"]);
    const since = Date.now();
    const stop = await updateeip("a", ["--release", webEip.allocationId, "stop"]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(mutatingCalls(since)).toEqual([]);
    expect(world.association(webEip.allocationId).networkInterfaceId).toBe(world.b.networkInterfaceId);
  });
});

describe("errors: one clear line, the LSB code, bounded time", () => {
  it("an allocation EC2 does not know is a configuration error (6)", async () => {
    const unknown = "eipalloc-0e0000000000000ff";
    const start = await updateeip("a", [unknown, "start"]);
    expect(start.code).toBe(6);
    expect(oneLine(start)).toContain(`${unknown} does not exist`);
    const status = await updateeip("a", [unknown, "status"]);
    expect(status.code).toBe(4);
    expect(status.stdout).toBe(`aws-ha-updateeip ${unknown} status unknown\n`);
  });

  it("AssociateAddress denied by IAM exits 4 naming the permission", async () => {
    world.ec2.faults.inject({ kind: "deny", actions: ["AssociateAddress"] });
    const start = await updateeip("a", [webEip.allocationId, "start"]);
    expect(start.code).toBe(4);
    const line = oneLine(start);
    expect(line).toContain("AssociateAddress");
    expect(line).toContain("ec2:AssociateAddress");
    expect(world.association(webEip.allocationId).associationId).toBeUndefined();
  });

  it("a metadata service that refuses connections fails fast with a message that says so", async () => {
    const env = { AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${await closedPort()}` };
    const start = await updateeip("a", [webEip.allocationId, "start"], env);
    expect(start.code).toBe(1);
    expect(oneLine(start)).toContain("cannot reach the instance metadata service");
    expect(start.ms).toBeLessThan(5_000);
    const status = await updateeip("a", [webEip.allocationId, "status"], env);
    expect(status.code).toBe(4);
    expect(status.stdout).not.toMatch(/running/i);
  });

  it("a metadata service that never answers is given up on within seconds", async () => {
    world.imds.a.faults.blackhole = "all";
    const start = await updateeip("a", [webEip.allocationId, "start"]);
    expect(start.code).toBe(1);
    expect(oneLine(start)).toContain("no answer within");
    expect(start.ms).toBeLessThan(10_000);
  });

  it("a metadata service that answers without end is cut off at 64 KiB, and nothing moves", async () => {
    world.imds.a.faults.oversized = { path: "meta-data/instance-id", bytes: 300 * 1024 * 1024 };
    const start = await updateeip("a", [webEip.allocationId, "start"]);
    expect(start.code).toBe(1);
    expect(oneLine(start)).toContain("answered GET /latest/meta-data/instance-id with more than 65536 bytes");
    expect(start.ms).toBeLessThan(10_000);
    expect(world.imds.a.stats.oversizedBytes).toBeLessThan(16 * 1024 * 1024);
    expect(mutatingCalls(0)).toEqual([]);
  });

  it("an instance id that is no instance id stops the run, naming what the metadata service said", async () => {
    world.imds.a.faults.oversized = { path: "meta-data/instance-id", bytes: 100 };
    const start = await updateeip("a", [webEip.allocationId, "start"]);
    expect(start.code).toBe(1);
    expect(oneLine(start)).toMatch(/answered instance-id "0{60}…" \(100 characters\), which is not an instance id/);
    expect(mutatingCalls(0)).toEqual([]);
  });

  it("bad arguments exit 2 and an unimplemented action 3, before anything is asked of AWS", async () => {
    const cases: [string[], number, string][] = [
      [["--clusterx=/etc/aws-ha/cluster.yaml", webEip.allocationId, "start"], 2, "unknown option --clusterx"],
      [["constructor"], 2, 'unknown action "constructor"'],
      [["eipalloc-nothex", "start"], 2, "neither an allocation id"],
      [[webEip.allocationId, "not-an-ip", "start"], 2, "not a private IPv4"],
      [[webEip.allocationId, ids.secondaryAddress, "extra", "start"], 2, "too many arguments"],
      [[webEip.allocationId, "frobnicate"], 2, "unknown action"],
      [[], 2, "no action"],
      [[webEip.allocationId, "reload"], 3, "reload"],
    ];
    for (const [args, code, message] of cases) {
      const run = await updateeip("a", args);
      expect(run.code, args.join(" ")).toBe(code);
      expect(run.stderr).toContain(message);
    }
    expect(world.ec2.calls.all()).toEqual([]);
  });
});
