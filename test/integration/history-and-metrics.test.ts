import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseExposition, type Sample } from "../unit/record/exposition";
import { cloudAndLocal, ids, nodeB, resource } from "./support/cluster-fixture";
import { given } from "./support/given";
import { heartbeatEipWorld } from "./support/heartbeat-eip-world";
import { builtCli, runCli } from "./support/run-cli";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";
import { waitFor } from "./support/wait";

// After a failover the operator asks what happened: `aws-ha-notify history` reads the journal each
// transition appended, `show` names the last one, and node_exporter's textfile collector finds the
// metrics. The built CLI against the stand-ins; each node's journal and textfile live in its own
// directory of the test (paths.historyDir, metrics.textfileDir), never in /var/lib/aws-ha.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const startWithBHolding = () =>
  startTwoNodeWorld({
    resources: cloudAndLocal,
    metrics: true,
    given: (spec) => given.cloudOn(spec, nodeB),
  });

const journalLines = (dir: string) =>
  readFileSync(join(dir, "journal.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const values = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);

describe("the record of a failover", () => {
  it("`master` on A appends one journal line, `history` shows what moved from B, and the textfile parses", async () => {
    world = await startWithBHolding();

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(master.stderr).not.toMatch(/WARN/);
    const [line, ...more] = journalLines(world.a.historyDir);
    expect(more).toEqual([]);
    expect(line).toMatchObject({ event: "master", direction: "acquire", cluster: "itest", node: "node-a", outcome: "done" });
    expect(line!.moved).toContain(`vip ${ids.vip} from node-b`);
    expect(line!.moved).toContain(`eip ${ids.publicIp} → ${ids.vip} from node-b`);
    expect((line!.steps as { name: string; outcome: string; ms: number }[]).map((s) => [s.name, s.outcome])).toEqual([
      ["web-vip", "changed"],
      // EC2 moved the Elastic IP along with its VIP: no call, yet it moved (the closing line says so too).
      ["web-eip", "unchanged"],
      ["overlay", "changed"],
      ["promote", "changed"],
      ["app", "changed"],
    ]);
    expect(statSync(world.a.historyDir).mode & 0o7777).toBe(0o755);
    expect(statSync(join(world.a.historyDir, "journal.jsonl")).mode & 0o7777).toBe(0o644);

    const history = await world.a.run(["history"]);
    expect(history.code, history.stderr).toBe(0);
    const rows = history.stdout.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^TIME \(UTC\) +EVENT +OUTCOME +TOOK +WHAT$/);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +master \\(acquire\\) +done +\\d+\\.\\d s +vip ${ids.vip} from node-b, `),
    );

    const json = await world.a.run(["history", "--json", "-n", "1"]);
    expect(JSON.parse(json.stdout)).toEqual(line);

    const shown = await world.a.run(["show"]);
    expect(shown.stdout.trimEnd().split("\n").at(-1)).toMatch(/^last transition: .* UTC master \(acquire\) done in \d+\.\d s: vip /);

    const textfile = join(world.a.textfileDir, "aws-ha-itest.prom");
    expect(readdirSync(world.a.textfileDir)).toEqual(["aws-ha-itest.prom"]);
    expect(statSync(textfile).mode & 0o7777).toBe(0o644);
    const { samples } = parseExposition(readFileSync(textfile, "utf8"));
    expect(values(samples, "aws_ha_last_transition_success", { direction: "acquire", event: "master", node: "node-a" })).toEqual([1]);
    expect(values(samples, "aws_ha_resource_held", { resource: "web-vip" })).toEqual([1]);
    expect(values(samples, "aws_ha_transitions_total", { direction: "acquire", outcome: "done" })).toEqual([1]);
    expect(values(samples, "aws_ha_resource_last_step_duration_seconds", { resource: "web-eip", action: "acquire" })).toHaveLength(1);
  });

  it("a transition that fails is recorded as failed, and its counters carry into the next process", async () => {
    world = await startWithBHolding();
    world.ec2.faults.inject({ kind: "deny", actions: ["ReplaceRoute"] });

    const failed = await world.a.run(["master"]);
    world.ec2.faults.clear();
    const retried = await world.a.run(["master"]);

    expect(failed.code).not.toBe(0);
    expect(retried.code, retried.stderr).toBe(0);
    expect(journalLines(world.a.historyDir).map((l) => l.outcome)).toEqual(["incomplete", "done"]);
    appendFileSync(join(world.a.historyDir, "journal.jsonl"), '{"time":"2026-11-30T15:4\n');
    const history = await world.a.run(["history"]);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stderr).toBe(`note: 1 line of ${join(world.a.historyDir, "journal.jsonl")} skipped: not a journal entry\n`);
    expect(history.stdout).toMatch(/master \(acquire\) +incomplete +\d+\.\d s +overlay: .*ReplaceRoute/);
    const { samples } = parseExposition(readFileSync(join(world.a.textfileDir, "aws-ha-itest.prom"), "utf8"));
    expect(values(samples, "aws_ha_transitions_total", { direction: "acquire" }).sort()).toEqual([1, 1]);
    expect(values(samples, "aws_ha_transition_failures_total", { direction: "acquire" })).toEqual([1]);
    expect(values(samples, "aws_ha_step_failures_total", { kind: "route", action: "acquire" })).toEqual([1]);
    expect(values(samples, "aws_ha_steps_total", { kind: "route", action: "acquire" })).toEqual([2]);
  });

  it("before any transition `history` says so in one line, and a dry run records nothing", async () => {
    world = await startWithBHolding();

    const planned = await world.a.run(["master", "--dry-run"]);
    const history = await world.a.run(["history"]);

    expect(planned.code, planned.stderr).toBe(0);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toBe(`no transitions recorded yet: ${join(world.a.historyDir, "journal.jsonl")} does not exist\n`);
    expect(existsSync(join(world.a.textfileDir, "aws-ha-itest.prom"))).toBe(false);
  });

  it("an event overtaken while it waited is recorded as superseded, and one that never got the lock as failed", async () => {
    world = await startTwoNodeWorld({
      resources: cloudAndLocal,
      metrics: true,
      timeouts: { transition: 3 },
      given: (spec) => given.cloudOn(spec, nodeB),
    });
    const node = world.a;

    const held = node.holdLock();
    const timedOut = await node.run(["master"]);
    const backup = node.start(["backup"]);
    const master = node.start(["master"]);
    // An event names its node in the record once it has read its identity; a record never waits
    // for IMDS. The first event of the boot asked IMDS and kept the answer in the run directory, so
    // both later events have it before they even take their tickets, and ask IMDS nothing.
    const identityReads = world.imds.a.stats.gets;
    await waitFor(
      "both events to wait for the lock",
      () => [backup.pid, master.pid].every((p) => node.ticketHolders().includes(p)),
      20_000,
    );
    expect(world.imds.a.stats.gets, "identity read from the run directory").toBe(identityReads);
    held.release();
    const results = await Promise.all([backup.finished, master.finished]);

    expect(timedOut.code).not.toBe(0);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const lines = journalLines(node.historyDir);
    expect(lines[0]).toMatchObject({ event: "master", outcome: "failed", steps: [] });
    expect(lines[0]!.error).toMatch(/lock/);
    expect(
      lines
        .slice(1)
        .map((l) => [l.event, l.outcome, l.supersededBy])
        .sort(),
    ).toEqual([
      ["backup", "superseded", "master"],
      ["master", "done", undefined],
    ]);
    // Each names the node as the description does, whether it ran, waited in vain or gave way.
    expect(lines.map((l) => l.node)).toEqual(["node-a", "node-a", "node-a"]);
    const history = await node.run(["history"]);
    expect(history.stdout).toMatch(/backup \(release\) +superseded +\d+\.\d s +nothing: superseded by master/);
    const { samples } = parseExposition(readFileSync(join(node.textfileDir, "aws-ha-itest.prom"), "utf8"));
    expect(values(samples, "aws_ha_transitions_total", { direction: "release", outcome: "superseded" })).toEqual([1]);
    expect(values(samples, "aws_ha_transitions_total", { direction: "acquire", outcome: "failed" })).toEqual([1]);
  });

  it("Heartbeat's aws-ha-updateeip and Pacemaker's OCF start and stop are recorded too", async () => {
    world = await startTwoNodeWorld({ ...heartbeatEipWorld, metrics: true });
    const updateeip = (...args: string[]) =>
      runCli([builtCli("aws-ha-updateeip"), ids.allocationId, ...args], world!.a.envWith({ AWS_HA_CLUSTER: world!.a.clusterFile }));

    expect((await updateeip("start")).code).toBe(0);
    // A stop without --release changes nothing in EC2: no transition runs, and none is recorded.
    expect((await updateeip("stop")).code).toBe(0);
    expect((await updateeip("--release", "stop")).code).toBe(0);

    expect(journalLines(world.a.historyDir).map((l) => [l.event, l.direction, l.outcome])).toEqual([
      ["start", "acquire", "done"],
      ["stop", "release", "done"],
    ]);
    await world.close();

    world = await startTwoNodeWorld({ manager: "pacemaker", resources: () => [resource.eipOnPrimary()] });
    const ocf = (action: string) =>
      runCli(
        [builtCli("aws-ha-notify"), action],
        world!.a.envWith({
          OCF_RESOURCE_INSTANCE: "web-eip-rsc",
          OCF_RESKEY_cluster: world!.a.clusterFile,
          OCF_RESKEY_resource: "web-eip",
        }),
      );

    for (const action of ["start", "stop"]) expect((await ocf(action)).code).toBe(0);

    expect(journalLines(world.a.historyDir).map((l) => [l.event, l.direction, l.outcome, l.moved])).toEqual([
      ["ocf start", "acquire", "done", [`eip ${ids.publicIp} → this node's address`]],
      ["ocf stop", "release", "done", expect.any(Array)],
    ]);
  });
});
