import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ids, nodeB, resource } from "./support/cluster-fixture";
import { startTwoNodeWorld, type SimulatedNode, type TwoNodeWorld, type TwoNodeWorldOptions } from "./support/two-node-world";
import { closeKeepalivedFifos, listenAsKeepalived, repairDriftEvery } from "./support/keepalived-fifo";
import { sleep, waitFor } from "./support/wait";
import { cloudHolders } from "./support/world-view";

// The FIFO reader stays resident between keepalived's events. It gets ready before the first one
// (identity, EC2 client, an open connection), keeps working when the connection is closed under it,
// and while its node is master it takes back what someone moved by hand (keepalived.driftRepair).
// keepalived's side is played here: the scenario holds the FIFO open and writes its lines.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  closeKeepalivedFifos();
  await world?.close();
  world = undefined;
});

const eniOfB = `eni-${nodeB.instanceId.slice("i-".length)}`;

/** The two-node world with VIP + EIP, node B holding both, and node A's description set to repair drift every `driftRepair` s. */
async function startWorld(driftRepair: number, more: Partial<TwoNodeWorldOptions> = {}): Promise<TwoNodeWorld> {
  const started = await startTwoNodeWorld({ resources: () => [resource.vip(), resource.eip()], ...more });
  repairDriftEvery(started.a, driftRepair);
  return started;
}

/** An operator re-points the Elastic IP at node B's own address, through the stand-in's control API. */
async function moveEipByHand(w: TwoNodeWorld): Promise<void> {
  const response = await fetch(`${w.ec2.url}/_standin/addresses/${ids.allocationId}/associate`, {
    method: "POST",
    body: JSON.stringify({ networkInterfaceId: eniOfB, privateIp: nodeB.address }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(cloudHolders(w.snapshot()).eip).toBe(`elsewhere (${nodeB.address})`);
}

const journal = (node: SimulatedNode) =>
  existsSync(join(node.historyDir, "journal.jsonl"))
    ? readFileSync(join(node.historyDir, "journal.jsonl"), "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];

const count = (text: string, pattern: RegExp) => text.split("\n").filter((l) => pattern.test(l)).length;

describe("aws-ha-notify fifo, resident between events", () => {
  it("is ready before the first event: it read the identity and opened the connection with read-only calls, which the event then reuses", async () => {
    world = await startWorld(0);
    const { reader, say, close } = listenAsKeepalived(world.a);
    const calls = await waitFor("the reader's first read-only calls", () => {
      const mine = world!.ec2.calls.all().filter((c) => c.caller !== undefined);
      return mine.length >= 2 && mine;
    });
    expect(calls.map((c) => c.action).sort()).toEqual(["DescribeAddresses", "DescribeNetworkInterfaces"]);
    expect(world.mutatingCalls()).toEqual([]);
    const before = world.ec2.connections();

    say("MASTER");
    await waitFor("the MASTER line to be acted on", () => /acquire done/.test(reader.stderr));
    const ended = await close();

    expect(ended.code, ended.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a" });
    // The event's calls went over the connection the reader had opened.
    expect(world.ec2.connections()).toBe(before);
  });

  it("with EC2 failing while it starts, warns once and the first event does the work itself", async () => {
    world = await startWorld(0);
    // More failures than the SDK's four attempts: the read-only calls of the start fail for good.
    world.ec2.faults.inject({ kind: "server-error", count: 8 });
    const { reader, say, close } = listenAsKeepalived(world.a);
    await waitFor("the warning about the start", () => /could not get ready ahead of the first event/.test(reader.stderr), 20_000);
    world.ec2.faults.clear();

    say("MASTER");
    await waitFor("the MASTER line to be acted on", () => /acquire done/.test(reader.stderr));
    const ended = await close();

    expect(ended.code, ended.stderr).toBe(0);
    expect(count(ended.stderr, /could not get ready ahead of the first event/)).toBe(1);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a" });
  });

  it("when EC2 closes idle connections, each later event costs a new connection and never an error", async () => {
    world = await startWorld(0);
    world.ec2.faults.inject({ kind: "idle-close", ms: 200 });
    const { reader, say, close } = listenAsKeepalived(world.a);
    const done = (n: number) => () => count(reader.stderr, /(acquire|release) done/) >= n;
    const first = world.ec2.connections();

    for (const [n, state] of (["MASTER", "BACKUP", "MASTER"] as const).entries()) {
      await sleep(600);
      say(state);
      await waitFor(`${state} (event ${n + 1}) to be acted on`, done(n + 1));
    }
    const ended = await close();

    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stderr).not.toMatch(/\b(WARN|ERROR)\b/);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a" });
    expect(world.ec2.connections()).toBeGreaterThanOrEqual(first + 3);
  });
});

describe("the reader's compiled code", () => {
  it("is kept for the next reader once an event ran, though keepalived kills the reader instead of letting it exit", async () => {
    world = await startWorld(0);
    const env = { AWS_HA_CODE_CACHE_DIR: join(world.a.dir, "code-cache"), AWS_HA_CODE_CACHE_DEBUG: "1" };
    const first = listenAsKeepalived(world.a, { env });
    await waitFor("the first reader to be ready", () => /code cache: miss/.test(first.reader.stderr));
    first.say("MASTER");
    await waitFor("the MASTER line to be acted on", () => /acquire done/.test(first.reader.stderr));
    await waitFor("the compiled code to be kept", () => /code cache: \d+ ms to write/.test(first.reader.stderr), 10_000);
    first.reader.killGroup("SIGKILL");
    await first.reader.finished;

    const second = listenAsKeepalived(world.a, { env, fifoName: "notify-2.fifo" });
    await waitFor("the second reader to start", () => /code cache: (hit|miss|rejected)/.test(second.reader.stderr));
    second.say("BACKUP");
    await waitFor("the BACKUP line to be acted on", () => /release done/.test(second.reader.stderr));
    const ended = await second.close();

    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stderr).toMatch(/code cache: hit/);
  });
});

describe("drift repair (keepalived.driftRepair)", () => {
  it("while master, an Elastic IP moved by hand is taken back within a few looks, logged and recorded", async () => {
    world = await startWorld(0.5);
    const { reader, say, close } = listenAsKeepalived(world.a);
    say("MASTER");
    await waitFor("the MASTER line to be acted on", () => /acquire done/.test(reader.stderr));

    await moveEipByHand(world);
    await waitFor("the Elastic IP to be back on node A", () => cloudHolders(world!.snapshot()).eip === "node-a", 10_000);
    const ended = await close();

    expect(ended.code, ended.stderr).toBe(0);
    const repaired = ended.stderr.split("\n").filter((l) => /repaired /.test(l));
    expect(repaired).toHaveLength(1);
    expect(repaired[0]).toMatch(
      new RegExp(`WARN repaired web-eip: eip ${ids.publicIp.replace(/\./g, "\\.")} → ${ids.vip.replace(/\./g, "\\.")}`),
    );
    expect(repaired[0]).toContain(`it had drifted`);
    expect(cloudHolders(world.snapshot()).vip).toBe("node-a");
    const entries = journal(world.a);
    expect(entries.map((e) => [e.event, e.outcome])).toEqual([
      ["MASTER", "done"],
      ["repair", "done"],
    ]);
    expect(entries[1]!.moved).toEqual([`eip ${ids.publicIp} → ${ids.vip} from node-b`]);
  });

  it("after BACKUP, an Elastic IP moved by hand stays where it was put", async () => {
    world = await startWorld(0.5);
    const { reader, say, close } = listenAsKeepalived(world.a);
    say("MASTER");
    await waitFor("the MASTER line to be acted on", () => /acquire done/.test(reader.stderr));
    say("BACKUP");
    await waitFor("the BACKUP line to be acted on", () => /release done/.test(reader.stderr));

    await moveEipByHand(world);
    await sleep(2_000);
    const ended = await close();

    expect(ended.code, ended.stderr).toBe(0);
    expect(cloudHolders(world.snapshot()).eip).toBe(`elsewhere (${nodeB.address})`);
    expect(ended.stderr).not.toMatch(/repaired /);
  });

  it("skips its looks while another transition holds the node's lock, and repairs once the lock is free", async () => {
    world = await startWorld(0.5);
    const { reader, say, close } = listenAsKeepalived(world.a);
    say("MASTER");
    await waitFor("the MASTER line to be acted on", () => /acquire done/.test(reader.stderr));
    // The closing line is logged before the transition lets its lock go.
    await waitFor("the MASTER transition to let its lock go", () => !existsSync(world!.a.lockFile));

    const lock = world.a.holdLock();
    const movedAt = Date.now();
    await moveEipByHand(world);
    await sleep(2_000);
    expect(cloudHolders(world.snapshot()).eip).toBe(`elsewhere (${nodeB.address})`);
    expect(world.mutatingCalls(movedAt)).toHaveLength(0);
    lock.release();
    await waitFor("the Elastic IP to be back on node A", () => cloudHolders(world!.snapshot()).eip === "node-a", 10_000);
    const ended = await close();

    expect(ended.code, ended.stderr).toBe(0);
    expect(count(ended.stderr, /repaired web-eip/)).toBe(1);
  });

  it("0 turns it off: the moved Elastic IP stays moved", async () => {
    world = await startWorld(0);
    const { reader, say, close } = listenAsKeepalived(world.a);
    say("MASTER");
    await waitFor("the MASTER line to be acted on", () => /acquire done/.test(reader.stderr));

    await moveEipByHand(world);
    await sleep(2_000);
    const ended = await close();

    expect(ended.code, ended.stderr).toBe(0);
    expect(cloudHolders(world.snapshot()).eip).toBe(`elsewhere (${nodeB.address})`);
    expect(ended.stderr).not.toMatch(/repaired /);
  });
});
