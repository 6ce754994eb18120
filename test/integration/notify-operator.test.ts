import { chmodSync, existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { cloudAndLocal, ids, nodeA, nodeB } from "./support/cluster-fixture";
import { given } from "./support/given";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";
import { cloudHolders, eniOf } from "./support/world-view";

// What an operator types on a node: who holds what (`show`, `show --json`), what a transition would
// do (`--dry-run`), a transition limited to some resources (`--only`), and whether the node may
// trust its description (`check`). Viewing never changes anything.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const givenBHoldsTheCloud = () => startTwoNodeWorld({ resources: cloudAndLocal, given: (spec) => given.cloudOn(spec, nodeB) });

describe("aws-ha-notify show", () => {
  it("prints a table of every resource: held here or not, and by whom", async () => {
    world = await givenBHoldsTheCloud();
    const eniB = eniOf(world.snapshot(), nodeB.instanceId);

    const onA = await world.a.run(["show"]);
    const onB = await world.b.run(["show"]);

    expect(onA.code, onA.stderr).toBe(0);
    // Nothing but the table: no log lines, no notices from the bundled SDK.
    expect(onA.stderr).toBe("");
    const rows = onA.stdout.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^RESOURCE +KIND +HERE +DETAIL$/);
    expect(rows.slice(1).map((row) => row.split(/ {2,}/).slice(0, 3))).toEqual([
      ["web-vip", "vip", "no"],
      ["web-eip", "eip", "no"],
      ["overlay", "route", "no"],
      ["promote", "hook", "no"],
      ["app", "service", "no"],
    ]);
    expect(onA.stdout).toContain(`${ids.vip} on ${eniB} (node-b, ${nodeB.instanceId})`);
    expect(onA.stdout).toContain(`${ids.publicIp} → ${ids.vip} on ${eniB} (node-b, ${nodeB.instanceId})`);
    expect(onB.stdout).toContain(`${ids.vip} on ${eniB} (this node)`);
    expect(onB.stdout).toMatch(/^web-vip +vip +yes /m);
    expect(world.mutatingCalls()).toEqual([]);
  });

  it("--json gives the same facts to scripts", async () => {
    world = await givenBHoldsTheCloud();

    const shown = await world.b.run(["show", "--json"]);

    expect(shown.code, shown.stderr).toBe(0);
    const json = JSON.parse(shown.stdout) as {
      cluster: string;
      resources: { name: string; kind: string; held: boolean; holder?: string }[];
    };
    expect(json.cluster).toBe("itest");
    expect(json.resources.map(({ name, kind, held, holder }) => ({ name, kind, held, holder }))).toEqual([
      { name: "web-vip", kind: "vip", held: true, holder: nodeB.instanceId },
      { name: "web-eip", kind: "eip", held: true, holder: nodeB.instanceId },
      { name: "overlay", kind: "route", held: true, holder: eniOf(world.snapshot(), nodeB.instanceId) },
      { name: "promote", kind: "hook", held: false, holder: undefined },
      { name: "app", kind: "service", held: false, holder: undefined },
    ]);
  });
});

describe("a transition with --dry-run", () => {
  it("prints the plan and changes nothing: no mutating call, no hook, no service, no lock", async () => {
    world = await givenBHoldsTheCloud();
    const before = world.snapshot();

    const plan = await world.a.run(["master", "--dry-run"]);

    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout.split("\n")[0]).toBe("plan for master (acquire), nothing changed:");
    for (const step of [
      "acquire vip web-vip: now",
      "acquire eip web-eip: now",
      "acquire route overlay: now",
      "acquire hook promote",
      "acquire service app",
    ])
      expect(plan.stdout).toContain(`  ${step}`);
    expect(world.mutatingCalls()).toEqual([]);
    expect(world.snapshot()).toEqual(before);
    expect(world.a.scripts.journal()).toEqual([]);
    expect(existsSync(world.a.runDir) ? world.a.tickets() : []).toEqual([]);
    expect(existsSync(world.a.lockFile)).toBe(false);
  });

  it("says what it would keep when the node already holds it", async () => {
    world = await givenBHoldsTheCloud();

    const plan = await world.b.run(["master", "--dry-run", "--only", "vip,eip"]);

    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`  keep vip web-vip: ${ids.vip} on ${eniOf(world.snapshot(), nodeB.instanceId)} (this node)`);
    expect(plan.stdout).not.toMatch(/^ {2}acquire/m);
  });
});

describe("a transition with --only", () => {
  it("--only vip moves the VIP alone (its Elastic IP comes along, as EC2 moves it with the address)", async () => {
    world = await givenBHoldsTheCloud();

    const master = await world.a.run(["master", "--only", "vip"]);

    expect(master.code, master.stderr).toBe(0);
    expect(world.mutatingCalls().map((c) => c.action)).toEqual(["AssignPrivateIpAddresses"]);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a", route: "node-b" });
    expect(world.a.scripts.journal()).toEqual([]);
  });

  it("--only route,app (a kind and a name) moves those two and leaves the rest", async () => {
    world = await givenBHoldsTheCloud();

    const master = await world.a.run(["master", "--only", "route,app"]);

    expect(master.code, master.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-b", eip: "node-b", route: "node-a" });
    expect(world.a.scripts.journal()).toEqual(["start"]);
    expect(world.snapshot().interfaces.find((e) => e.instanceId === nodeA.instanceId)!.sourceDestCheck).toBe(false);
  });
});

describe("aws-ha-notify check judges who could change the description", () => {
  const owners = process.getuid!() === 0 ? "root" : `root or uid ${process.getuid!()}`;

  it("says the description and each command it names can be changed only by root (or this user)", async () => {
    world = await givenBHoldsTheCloud();

    const check = await world.a.run(["check"]);

    const trust = check.stdout.split("\n").filter((line) => line.includes("  trust: "));
    expect(trust).toEqual([
      `ok    trust: the cluster description ${world.a.clusterFile} can be changed only by ${owners}`,
      `ok    trust: resources[3].acquire[0] ${world.a.scripts.hookScript} can be changed only by ${owners}`,
      `ok    trust: resources[4].initScript ${world.a.scripts.serviceScript} can be changed only by ${owners}`,
    ]);
  });

  it("reports a world-writable description as a FAIL line with the fix, and exits 6, where every other command refuses it", async () => {
    world = await givenBHoldsTheCloud();
    const before = world.snapshot();
    const file = world.a.clusterFile;
    chmodSync(file, 0o666);
    chmodSync(world.a.scripts.hookScript, 0o757);

    const check = await world.a.run(["check"]);

    expect(check.code, check.stdout + check.stderr).toBe(6);
    const failures = check.stdout.split("\n").filter((line) => line.startsWith("FAIL  trust: "));
    const everyone = process.getgid!() === 0 ? "others" : `group ${process.getgid!()} and others`;
    const hook = world.a.scripts.hookScript;
    expect(failures).toEqual([
      `FAIL  trust: the cluster description ${file} decides what aws-ha runs as root, but file ${file} is writable by ${everyone} (mode 0666); chmod 0644 ${file}`,
      `FAIL  trust: resources[3].acquire[0] ${hook} runs as root, but file ${hook} is writable by others (mode 0757); chmod 0755 ${hook}`,
    ]);
    // The rest of the check still ran.
    expect(check.stdout).toMatch(/^ok {4}identity: /m);
    expect(world.snapshot()).toEqual(before);
  });
});
