import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bootId } from "../../src/transition/process-start";
import { ids, nodeA, nodeB, resource, type ResourceInput } from "./support/cluster-fixture";
import { startTwoNodeWorld, type SimulatedNode, type TwoNodeWorld } from "./support/two-node-world";
import { closeKeepalivedFifos, listenAsKeepalived, repairDriftEvery } from "./support/keepalived-fifo";
import { sleep, waitFor } from "./support/wait";
import { cloudHolders } from "./support/world-view";

// Drift repair of Route53 records: while the resident FIFO reader's node is master, a record that
// someone rewrote or deleted by hand is UPSERTed back to what the master event wrote, logged as
// repaired and recorded as a transition; after BACKUP, or once a newer event has spoken, it stays
// as it was put. A lock that a dead transition left behind does not stop the looks for ever.
// keepalived's side is played here: the scenario holds the FIFO open and writes its lines.

const zoneId = "Z0A1B2C3D4E5F6REPAIR";
const recordName = "db.example.com.";
const record = (extra: Record<string, unknown> = {}): ResourceInput =>
  ({ kind: "record", name: "db-dns", hostedZoneId: zoneId, zone: "example.com.", recordName, ttl: 30, ...extra }) as ResourceInput;

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  closeKeepalivedFifos();
  await world?.close();
  world = undefined;
});

/** VIP, EIP and a record of the master's own address (node B's to start with); node A repairs drift every 0.5 s. */
async function startWorld(recordExtra: Record<string, unknown> = {}): Promise<TwoNodeWorld> {
  const started = await startTwoNodeWorld({
    resources: () => [resource.vip(), resource.eip(), record(recordExtra)],
    route53: {
      zones: [{ id: zoneId, name: "example.com.", records: [{ name: recordName, type: "A", ttl: 30, values: [nodeB.address] }] }],
    },
  });
  repairDriftEvery(started.a, 0.5);
  return started;
}

const valueOf = (w: TwoNodeWorld) => w.route53!.world.record(zoneId, recordName, "A")?.values;
/** An operator points the record at node B by hand, in the Route53 console. */
const rewriteByHand = (w: TwoNodeWorld) =>
  w.route53!.world.setRecord(zoneId, { name: recordName, type: "A", ttl: 30, values: [nodeB.address] });
const acceptedChanges = (w: TwoNodeWorld, since: number) =>
  w
    .route53!.calls.of("ChangeResourceRecordSets", since)
    .filter((c) => c.error === undefined)
    .flatMap((c) => c.changes);
/** An operator re-points the Elastic IP at node B's own address, through the stand-in's control API. */
async function moveEipByHand(w: TwoNodeWorld): Promise<void> {
  const response = await fetch(`${w.ec2.url}/_standin/addresses/${ids.allocationId}/associate`, {
    method: "POST",
    body: JSON.stringify({ networkInterfaceId: `eni-${nodeB.instanceId.slice("i-".length)}`, privateIp: nodeB.address }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(cloudHolders(w.snapshot()).eip).toBe(`elsewhere (${nodeB.address})`);
}
const repairedLines = (stderr: string) => stderr.split("\n").filter((l) => /repaired /.test(l));

const journal = (node: SimulatedNode) =>
  existsSync(join(node.historyDir, "journal.jsonl"))
    ? readFileSync(join(node.historyDir, "journal.jsonl"), "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];

/** The reader on node A, told MASTER, once it has pointed the record at node A. */
async function masterReader(w: TwoNodeWorld) {
  const keepalived = listenAsKeepalived(w.a);
  keepalived.say("MASTER");
  await waitFor("the MASTER line to be acted on", () => /acquire done/.test(keepalived.reader.stderr));
  expect(valueOf(w)).toEqual([nodeA.address]);
  return keepalived;
}

describe("drift repair of a Route53 record (keepalived.driftRepair)", () => {
  it("while master, a record rewritten by hand is UPSERTed back once, logged as repaired and recorded", async () => {
    world = await startWorld();
    const { close } = await masterReader(world);

    const changedAt = Date.now();
    rewriteByHand(world);
    await waitFor("the record to name node A again", () => valueOf(world!)?.[0] === nodeA.address, 10_000);
    await sleep(1_500);
    const ended = await close();

    expect(ended.code, ended.stderr).toBe(0);
    expect(acceptedChanges(world, changedAt)).toEqual([`UPSERT ${recordName} A 30 ${nodeA.address}`]);
    const repaired = repairedLines(ended.stderr);
    expect(repaired).toHaveLength(1);
    expect(repaired[0]).toMatch(/WARN repaired db-dns: record db\.example\.com\. → this node's address, taken back from node-b/);
    expect(repaired[0]).toContain(`it had drifted: ${recordName} A ${nodeB.address} (node-b, ${nodeB.instanceId})`);
    const entries = journal(world.a);
    expect(entries.map((e) => [e.event, e.outcome])).toEqual([
      ["MASTER", "done"],
      ["repair", "done"],
    ]);
    // Only the record drifted: the VIP, still on node A, was looked at and left alone.
    expect(world.mutatingCalls(changedAt)).toEqual([]);
  });

  it("while master, a record deleted by hand is written again", async () => {
    world = await startWorld();
    const { close } = await masterReader(world);

    const deletedAt = Date.now();
    world.route53!.world.setRecord(zoneId, { name: recordName, type: "A", values: undefined });
    await waitFor("the record to exist again", () => valueOf(world!)?.[0] === nodeA.address, 10_000);
    const ended = await close();

    expect(ended.code, ended.stderr).toBe(0);
    expect(acceptedChanges(world, deletedAt)).toEqual([`UPSERT ${recordName} A 30 ${nodeA.address}`]);
    expect(repairedLines(ended.stderr)).toHaveLength(1);
  });

  it("after BACKUP, a record rewritten by hand stays as it was put", async () => {
    world = await startWorld();
    const { reader, say, close } = await masterReader(world);
    say("BACKUP");
    await waitFor("the BACKUP line to be acted on", () => /release done/.test(reader.stderr));

    const changedAt = Date.now();
    rewriteByHand(world);
    await sleep(2_000);
    const ended = await close();

    expect(ended.code, ended.stderr).toBe(0);
    expect(valueOf(world)).toEqual([nodeB.address]);
    expect(acceptedChanges(world, changedAt)).toEqual([]);
    expect(repairedLines(ended.stderr)).toEqual([]);
  });

  it("never fights a newer event: after a one-shot `backup` on the node deleted the record, the reader's looks leave it deleted", async () => {
    world = await startWorld({ release: true });
    const { close } = await masterReader(world);

    // Another process of the node (a Heartbeat or Pacemaker stop, an operator) gives the node up
    // after the reader's MASTER: the reader never hears of it, but its event is newer.
    const backup = await world.a.run(["backup"]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(valueOf(world)).toBeUndefined();
    const releasedAt = Date.now();
    await sleep(2_000);
    const ended = await close();

    expect(ended.code, ended.stderr).toBe(0);
    expect(valueOf(world)).toBeUndefined();
    expect(acceptedChanges(world, releasedAt)).toEqual([]);
    expect(repairedLines(ended.stderr)).toEqual([]);
    // The reader did look, saw the record missing and gave way to the newer event once: over the
    // four looks of those two seconds it did not try again (and journal it again) every 0.5 s.
    const entries = journal(world.a).map((e) => [e.event, e.outcome]);
    expect(entries).toEqual([
      ["MASTER", "done"],
      ["backup", "done"],
      ["repair", "superseded"],
    ]);
  });

  it("a lock left behind by a dead transition does not stop the looks: the repair takes it over", async () => {
    world = await startWorld();
    const { close } = await masterReader(world);

    // A transition killed inside its lock (SIGKILL, OOM) leaves its owner entry behind: a PID that
    // no longer runs, of this boot.
    const dead = spawnSync("true").pid!;
    const lock = world.a.lockFile;
    mkdirSync(lock, { mode: 0o700 });
    writeFileSync(join(lock, `${dead}-12345-${bootId().replace(/-/g, "").slice(0, 8)}`), "", { mode: 0o600 });
    await moveEipByHand(world);
    await waitFor("the Elastic IP to be back on node A", () => cloudHolders(world!.snapshot()).eip === "node-a", 10_000);
    const ended = await close();

    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stderr).toMatch(new RegExp(`took over the transition lock .*: its owner \\(PID ${dead}\\) is gone`));
    expect(repairedLines(ended.stderr).map((l) => /repaired ([\w-]+)/.exec(l)?.[1])).toEqual(["web-eip"]);
    expect(existsSync(lock)).toBe(false);
  });
});
