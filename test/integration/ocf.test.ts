import { spawnSync } from "node:child_process";
import { existsSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cluster, ids, resource } from "./support/cluster-fixture";
import { builtCli, runCli, type CliRun } from "./support/run-cli";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";

// aws-ha-notify as the OCF agent Pacemaker runs (ocf:aws-ha:aws-ha): the built file as a child
// process, the action as its only argument, the parameters in OCF_RESKEY_*, one Pacemaker resource
// selecting the description's Elastic IP, and each node's process talking to the stand-ins.

const agent = builtCli("aws-ha-notify");
const dtd = "/usr/share/resource-agents/ra-api-1.dtd";
const ocfTester = "/usr/sbin/ocf-tester";
const webEip = { name: "web-eip", allocationId: ids.allocationId } as const;

let world: TwoNodeWorld;
beforeEach(async () => {
  world = await startTwoNodeWorld({ manager: "pacemaker", resources: () => [resource.eipOnPrimary()], stranger: true });
});
afterEach(async () => {
  await world.close();
});

type Machine = "a" | "b" | "stranger";
const machine = (m: Machine) => (m === "stranger" ? world.stranger! : world[m]);

/** What Pacemaker's executor passes to an OCF agent (pacemaker-execd), on top of the node's environment. */
function ocfEnv(params: Record<string, string> = {}, meta: { interval?: string; timeout?: string } = {}): NodeJS.ProcessEnv {
  return {
    OCF_ROOT: "/usr/lib/ocf",
    OCF_RA_VERSION_MAJOR: "1",
    OCF_RA_VERSION_MINOR: "1",
    OCF_RESOURCE_INSTANCE: "web-eip-rsc",
    OCF_RESOURCE_TYPE: "aws-ha",
    OCF_RESOURCE_PROVIDER: "aws-ha",
    OCF_RESKEY_CRM_meta_interval: meta.interval ?? "20000",
    OCF_RESKEY_CRM_meta_timeout: meta.timeout ?? "20000",
    // Every machine here reads node A's copy of the description (the stranger has none of its own).
    OCF_RESKEY_cluster: world.a.clusterFile,
    OCF_RESKEY_resource: webEip.name,
    ...Object.fromEntries(Object.entries(params).map(([k, v]) => [`OCF_RESKEY_${k}`, v])),
  };
}

function runAgent(on: Machine, action: string, env: NodeJS.ProcessEnv = ocfEnv()): Promise<CliRun> {
  return runCli([agent, action], machine(on).envWith(env));
}

/** The mutating EC2 actions called since `since`. */
function mutatingCalls(since: number): string[] {
  return world.mutatingCalls(since).map((c) => c.action);
}

describe("meta-data", () => {
  it("is valid against ra-api-1.dtd, even when no resource instance is named", async () => {
    for (const env of [world.a.envWith(), world.a.envWith(ocfEnv())]) {
      const run = await runCli([agent, "meta-data"], env);
      expect(run.code, run.stderr).toBe(0);
      const file = join(world.dir, "meta-data.xml");
      writeFileSync(file, run.stdout);
      const lint = spawnSync("xmllint", ["--noout", "--dtdvalid", dtd, file], { encoding: "utf8", cwd: "/usr/share/resource-agents" });
      expect(lint.status, lint.stderr).toBe(0);
      expect(lint.stderr).not.toMatch(/validity error/);
    }
  });

  it("lists every parameter and gives every action a timeout", async () => {
    const xml = (await runCli([agent, "meta-data"], world.a.envWith())).stdout;
    const parameters = [...xml.matchAll(/<parameter name="([^"]+)"/g)].map((m) => m[1]);
    expect(parameters).toEqual(["cluster", "resource", "log_format"]);
    expect(xml).toContain('<content type="string" default="/etc/aws-ha/cluster.yaml"/>');
    const actions = [...xml.matchAll(/<action name="([^"]+)"([^>]*)\/>/g)];
    expect(actions.map((m) => m[1])).toEqual(["start", "stop", "monitor", "validate-all", "meta-data"]);
    for (const [, name, attributes] of actions) expect(attributes, name).toMatch(/timeout="\d+s"/);
    expect(actions.find((m) => m[1] === "monitor")![2]).toMatch(/interval="\d+s"/);
  });
});

describe("start, monitor and stop on two nodes", () => {
  it("a probe finds nothing running, start takes the address, monitor reports 0 here and 7 on the peer", async () => {
    expect((await runAgent("a", "monitor", ocfEnv({}, { interval: "0" }))).code).toBe(7);
    const start = await runAgent("a", "start");
    expect(start.code, start.stderr).toBe(0);
    expect(world.association(webEip.allocationId)).toMatchObject({
      networkInterfaceId: world.a.networkInterfaceId,
      privateIp: world.a.address,
    });
    expect((await runAgent("a", "monitor")).code).toBe(0);
    expect((await runAgent("b", "monitor")).code).toBe(7);
    // Heartbeat's OCF wrapper calls status.
    expect((await runAgent("a", "status")).code).toBe(0);
  });

  it("start is idempotent: a second start asks EC2 to change nothing", async () => {
    await runAgent("a", "start");
    const since = Date.now();
    expect((await runAgent("a", "start")).code).toBe(0);
    expect(mutatingCalls(since)).toEqual([]);
  });

  it("stop disassociates the address while it is ours, so monitor then says 7; stopping again succeeds", async () => {
    await runAgent("a", "start");
    const stop = await runAgent("a", "stop");
    expect(stop.code, stop.stderr).toBe(0);
    expect(world.association(webEip.allocationId).associationId).toBeUndefined();
    expect((await runAgent("a", "monitor")).code).toBe(7);
    const since = Date.now();
    const again = await runAgent("a", "stop");
    expect(again.code, again.stderr).toBe(0);
    expect(mutatingCalls(since)).toEqual([]);
  });

  it("stop on the node that lost the address leaves the new holder alone and never returns 7", async () => {
    await runAgent("a", "start");
    expect((await runAgent("b", "start")).code).toBe(0);
    expect(world.association(webEip.allocationId).networkInterfaceId).toBe(world.b.networkInterfaceId);
    expect((await runAgent("a", "monitor")).code).toBe(7);
    const since = Date.now();
    const stop = await runAgent("a", "stop");
    expect(stop.code, stop.stderr).toBe(0);
    expect(mutatingCalls(since)).toEqual([]);
    expect(world.association(webEip.allocationId).networkInterfaceId).toBe(world.b.networkInterfaceId);
  });

  it("the parameters come from OCF_RESKEY_*: log_format=json logs JSON lines", async () => {
    const start = await runAgent("a", "start", ocfEnv({ log_format: "json" }));
    expect(start.code, start.stderr).toBe(0);
    const lines = start.stderr.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ ocf: "web-eip-rsc" });
  });
});

describe("exit codes for what Pacemaker must do next", () => {
  it("validate-all: 0 for a good description, 6 for a bad one, 2 for a parameter this node cannot use, 5 without the file", async () => {
    expect((await runAgent("a", "validate-all")).code).toBe(0);
    const bad = join(world.dir, "bad.yaml");
    writeFileSync(bad, "cluster: web\nnodes: []\nresources: []\nunknownKey: 1\n");
    const badRun = await runAgent("a", "validate-all", ocfEnv({ cluster: bad }));
    expect(badRun.code).toBe(6);
    expect(badRun.stderr).toContain("unknownKey");
    expect((await runAgent("a", "validate-all", ocfEnv({ resource: "no-such-eip" }))).code).toBe(2);
    expect((await runAgent("a", "validate-all", ocfEnv({ log_format: "xml" }))).code).toBe(2);
    const missing = ocfEnv({ cluster: join(world.dir, "absent.yaml") });
    expect((await runAgent("a", "validate-all", missing)).code).toBe(5);
    expect(world.ec2.calls.all()).toEqual([]);
  });

  it("a node without the description: a probe says 7, start says 5", async () => {
    const missing = (interval: string) => ocfEnv({ cluster: join(world.dir, "absent.yaml") }, { interval });
    expect((await runAgent("a", "monitor", missing("0"))).code).toBe(7);
    const start = await runAgent("a", "start", missing("20000"));
    expect(start.code).toBe(5);
    expect(start.stderr).toContain("absent.yaml is not on this node");
  });

  it("an instance the description does not name: monitor 7, start 2 without touching EC2, stop 0", async () => {
    expect((await runAgent("stranger", "monitor")).code).toBe(7);
    const start = await runAgent("stranger", "start");
    expect(start.code).toBe(2);
    expect(start.stderr).toContain(`is not a node of cluster ${cluster}`);
    expect((await runAgent("stranger", "stop")).code).toBe(0);
    expect(mutatingCalls(0)).toEqual([]);
  });

  it("unknown or unimplemented actions exit 3", async () => {
    for (const action of ["promote", "notify", "reload", "frobnicate", ""]) expect((await runAgent("a", action)).code, action).toBe(3);
  });

  it("AssociateAddress denied by IAM exits 4 naming the permission", async () => {
    world.ec2.faults.inject({ kind: "deny", actions: ["AssociateAddress"] });
    const start = await runAgent("a", "start");
    expect(start.code).toBe(4);
    expect(start.stderr).toContain("ec2:AssociateAddress");
  });

  it("an Elastic IP that does not exist is a configuration error everywhere (6)", async () => {
    const description = world.a.description;
    const file = join(world.dir, "ghost.yaml");
    const yaml = (await import("yaml")).stringify({
      ...description,
      resources: [{ kind: "eip", name: "ghost-eip", allocationId: "eipalloc-0e0000000000000ff", release: false }],
    });
    writeFileSync(file, yaml);
    const start = await runAgent("a", "start", ocfEnv({ cluster: file, resource: "ghost-eip" }));
    expect(start.code).toBe(6);
    expect(start.stderr).toContain("eipalloc-0e0000000000000ff does not exist");
  });

  it("OCF_RESKEY_CRM_meta_timeout bounds a start that EC2 keeps waiting", async () => {
    world.ec2.faults.inject({ kind: "latency", ms: 30_000, action: "AssociateAddress" });
    const start = await runAgent("a", "start", ocfEnv({}, { timeout: "5000" }));
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/deadline/);
    expect(start.stderr).toContain("raise the op timeout");
    // Pacemaker would kill the agent at 5 s; it answers before that.
    expect(start.ms).toBeLessThan(5_000);
  });
});

describe.skipIf(!existsSync(ocfTester))("ocf-tester", () => {
  it("passes against the stand-ins, the agent linked by absolute path and the environment passed through", async () => {
    const link = join(world.dir, "aws-ha");
    symlinkSync(agent, link);
    const run = await runCli(
      [ocfTester, "-n", "web-eip-rsc", "-o", `cluster=${world.a.clusterFile}`, "-o", `resource=${webEip.name}`, link],
      world.a.envWith({ OCF_ROOT: "/usr/lib/ocf" }),
      120_000,
    );
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(`${link} passed all tests`);
    // It stopped what it started.
    expect(world.association(webEip.allocationId).associationId).toBeUndefined();
  });
});
