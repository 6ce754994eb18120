import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { nodeA, nodeB, resource, type ResourceInput } from "./support/cluster-fixture";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";

// A Route53 record that follows the master: the shipped aws-ha-notify, the real
// @aws-sdk/client-route-53 over HTTP to the Route53 stand-in (and EC2's for the VIP beside it).
// keepalived's `master` points the record at the new master; `backup` with release deletes it only
// while it still names this node; Route53's throttling is waited out within the transition's
// deadline, and waitInSync waits for INSYNC within its own bound.

const zoneId = "Z0A1B2C3D4E5F6RECORD";
const recordName = "db.example.com.";

const record = (extra: Partial<Record<string, unknown>> = {}): ResourceInput =>
  ({ kind: "record", name: "db-dns", hostedZoneId: zoneId, zone: "example.com.", recordName, ttl: 30, ...extra }) as ResourceInput;

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** A two-node world with the VIP and the record, the record naming `holder`'s address when given. */
function start(
  options: { record?: Partial<Record<string, unknown>>; holder?: string; inSyncAfterMs?: number; timeouts?: { transition: number } } = {},
) {
  return startTwoNodeWorld({
    resources: () => [resource.vip(), record(options.record)],
    route53: {
      zones: [
        {
          id: zoneId,
          name: "example.com.",
          records: options.holder ? [{ name: recordName, type: "A", ttl: 30, values: [options.holder] }] : [],
        },
      ],
      ...(options.inSyncAfterMs !== undefined ? { inSyncAfterMs: options.inSyncAfterMs } : {}),
    },
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
  });
}

const valueOf = (w: TwoNodeWorld) => w.route53!.world.record(zoneId, recordName, "A")?.values;

describe("a record of each node's own address, held by node B", () => {
  it("`master` on A points it at A with one UPSERT, after the VIP; `show` on both nodes says A holds it", async () => {
    world = await start({ holder: nodeB.address });

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(valueOf(world)).toEqual([nodeA.address]);
    expect(world.route53!.calls.of("ChangeResourceRecordSets").map((c) => c.changes)).toEqual([
      [`UPSERT ${recordName} A 30 ${nodeA.address}`],
    ]);
    expect(master.stderr).toMatch(/record db\.example\.com\. → this node's address/);
    for (const node of [world.a, world.b]) {
      const show = await node.run(["show"]);
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toContain(`${recordName} A ${nodeA.address}`);
    }
  });

  it("`master --dry-run` on A plans the record's acquire and changes nothing", async () => {
    world = await start({ holder: nodeB.address });

    const dry = await world.a.run(["master", "--dry-run"]);

    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout + dry.stderr).toMatch(/db-dns/);
    expect(world.route53!.calls.of("ChangeResourceRecordSets")).toEqual([]);
    expect(valueOf(world)).toEqual([nodeB.address]);
  });

  it("`master` again on A makes no change to the zone", async () => {
    world = await start({ holder: nodeB.address });
    expect((await world.a.run(["master"])).code).toBe(0);
    const since = Date.now();

    const again = await world.a.run(["master"]);

    expect(again.code, again.stderr).toBe(0);
    expect(world.route53!.calls.of("ChangeResourceRecordSets", since)).toEqual([]);
  });
});

describe("release: true, the record deleted only while it names this node", () => {
  it("`backup` on A, which holds the record, deletes it with a DELETE of its exact value", async () => {
    world = await start({ record: { release: true }, holder: nodeA.address });

    const backup = await world.a.run(["backup"]);

    expect(backup.code, backup.stderr).toBe(0);
    expect(valueOf(world)).toBeUndefined();
    expect(world.route53!.calls.of("ChangeResourceRecordSets").map((c) => c.changes)).toEqual([
      [`DELETE ${recordName} A 30 ${nodeA.address}`],
    ]);
  });

  it("`backup` on B after A took the record sends no DELETE: A's record stays", async () => {
    world = await start({ record: { release: true }, holder: nodeB.address });
    expect((await world.a.run(["master"])).code).toBe(0);
    const since = Date.now();

    const backup = await world.b.run(["backup"]);

    expect(backup.code, backup.stderr).toBe(0);
    expect(world.route53!.calls.of("ChangeResourceRecordSets", since)).toEqual([]);
    expect(valueOf(world)).toEqual([nodeA.address]);
  });

  it("a record changed by hand while A's release runs is left alone: Route53 refuses the DELETE, and A says so", async () => {
    world = await start({ record: { release: true }, holder: nodeA.address });
    // The operator's change lands between A's read and A's DELETE: the stand-in holds the DELETE
    // back for a moment, and the record changes meanwhile.
    world.route53!.faults.inject({ kind: "latency", ms: 600, action: "ChangeResourceRecordSets" });
    const running = world.a.start(["backup"]);
    const w = world;
    const changedByHand = (async () => {
      for (let i = 0; i < 100 && w.route53!.calls.of("ListResourceRecordSets").length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      w.route53!.world.setRecord(zoneId, { name: recordName, type: "A", ttl: 30, values: ["192.0.2.55"] });
    })();

    const backup = await running.finished;
    await changedByHand;

    expect(backup.code, backup.stderr).toBe(0);
    expect(world.route53!.calls.of("ChangeResourceRecordSets").map((c) => c.error)).toEqual(["InvalidChangeBatch"]);
    expect(valueOf(world)).toEqual(["192.0.2.55"]);
    expect(backup.stderr).toMatch(/left db\.example\.com\. alone: it changed meanwhile/);
  });

  it("a record pointing outside the cluster is left alone without a DELETE", async () => {
    world = await start({ record: { release: true }, holder: "192.0.2.55" });

    const backup = await world.a.run(["backup"]);

    expect(backup.code, backup.stderr).toBe(0);
    expect(world.route53!.calls.of("ChangeResourceRecordSets")).toEqual([]);
    expect(valueOf(world)).toEqual(["192.0.2.55"]);
  });
});

describe("Route53's request rate", () => {
  it("Throttling and PriorRequestNotComplete are tried again with pauses, within the deadline, until the UPSERT goes through", async () => {
    world = await start({ holder: nodeB.address });
    world.route53!.faults.inject({ kind: "throttle", count: 3, action: "ChangeResourceRecordSets" });
    world.route53!.faults.inject({ kind: "prior-request", count: 2, action: "ChangeResourceRecordSets" });

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    const changes = world.route53!.calls.of("ChangeResourceRecordSets");
    expect(changes.map((c) => c.error)).toEqual([
      "Throttling",
      "Throttling",
      "Throttling",
      "PriorRequestNotComplete",
      "PriorRequestNotComplete",
      undefined,
    ]);
    // Jittered pauses between the attempts, never a burst.
    const gaps = changes.slice(1).map((c, i) => c.at - changes[i]!.at);
    expect(gaps.every((g) => g >= 1)).toBe(true);
    expect(valueOf(world)).toEqual([nodeA.address]);
    expect(master.stderr).toMatch(/Route53 ChangeResourceRecordSets: Throttling, trying again in \d+ ms/);
  });

  it("throttled past the transition deadline, `master` fails with one line that says what to do", async () => {
    world = await start({ holder: nodeB.address, timeouts: { transition: 3 } });
    world.route53!.faults.inject({ kind: "throttle", count: 1000, action: "ChangeResourceRecordSets" });

    const master = await world.a.run(["master"]);

    expect(master.code).toBe(1);
    expect(master.stderr).toMatch(
      /Route53 throttled ChangeResourceRecordSets until the transition deadline \(Throttling\).*5 requests a second/,
    );
    const attempts = world.route53!.calls.of("ChangeResourceRecordSets").length;
    expect(attempts).toBeGreaterThan(1);
    expect(attempts).toBeLessThan(40);
    expect(valueOf(world)).toEqual([nodeB.address]);
  });

  it("a rate limit of 5 calls a second, met by both nodes at once, still ends with the record on the master", async () => {
    world = await start({ holder: nodeB.address });
    world.route53!.faults.inject({ kind: "rate-limit", perSecond: 2 });

    const [master, show] = await Promise.all([world.a.run(["master"]), world.b.run(["show"])]);

    expect(master.code, master.stderr).toBe(0);
    expect(show.code, show.stderr).toBe(0);
    expect(valueOf(world)).toEqual([nodeA.address]);
  });
});

describe("waitInSync", () => {
  it("`master` returns only once Route53 says the change is INSYNC", async () => {
    world = await start({ record: { waitInSync: true, inSyncTimeout: 10 }, holder: nodeB.address, inSyncAfterMs: 1500 });

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    const upsert = world.route53!.calls.of("ChangeResourceRecordSets")[0]!;
    const polls = world.route53!.calls.of("GetChange");
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.at(-1)!.at - upsert.at).toBeGreaterThanOrEqual(1500);
    expect(master.ms).toBeGreaterThanOrEqual(1500);
  });

  it("a change still PENDING at inSyncTimeout is a warning: the record is written and `master` succeeds", async () => {
    world = await start({ record: { waitInSync: true, inSyncTimeout: 1 }, holder: nodeB.address, inSyncAfterMs: 60_000 });

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    expect(valueOf(world)).toEqual([nodeA.address]);
    expect(master.stderr).toMatch(/is not INSYNC after 1 s/);
    const polls = world.route53!.calls.of("GetChange");
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.length).toBeLessThan(10);
  });

  it("without waitInSync, no GetChange is sent", async () => {
    world = await start({ holder: nodeB.address, inSyncAfterMs: 60_000 });
    expect((await world.a.run(["master"])).code).toBe(0);
    expect(world.route53!.calls.of("GetChange")).toEqual([]);
  });
});

describe("check", () => {
  it("proves the read, warns that the write cannot be proven, and changes nothing", async () => {
    world = await start({ holder: nodeB.address });

    const check = await world.a.run(["check"]);

    expect(check.stdout).toMatch(
      /permission: ListResourceRecordSets db-dns allowed \(zone Z0A1B2C3D4E5F6RECORD: db\.example\.com\. A 10\.0\.1\.11\)/,
    );
    expect(check.stdout).toMatch(/warn {2}permission: ChangeResourceRecordSets db-dns not proven: Route53 has no DryRun/);
    expect(world.route53!.calls.of("ChangeResourceRecordSets")).toEqual([]);
  });

  it("a denied read fails the check with the action to add", async () => {
    world = await start({ holder: nodeB.address });
    world.route53!.faults.inject({ kind: "deny", actions: ["ListResourceRecordSets"] });

    const check = await world.a.run(["check"]);

    expect(check.code).toBe(4);
    expect(check.stdout).toMatch(
      /FAIL {2}permission: ListResourceRecordSets db-dns .*add route53:ListResourceRecordSets to the node's role/,
    );
  });

  it("a hosted zone Route53 does not know fails the check, naming the zone id to fix", async () => {
    world = await start({ record: { hostedZoneId: "Z9999999999999999999" } });

    const check = await world.a.run(["check"]);

    // A mistake in the description: LSB's "not configured".
    expect(check.code).toBe(6);
    expect(check.stdout).toMatch(/FAIL {2}permission: ListResourceRecordSets db-dns .*hosted zone Z9999999999999999999 does not exist/);
  });
});

describe("a record of the VIP's address, which follows whoever holds the VIP", () => {
  const startVipRecord = () =>
    startTwoNodeWorld({
      resources: () => [resource.vip(), record({ pointsAt: { vip: "web-vip" } })],
      route53: { zones: [{ id: zoneId, name: "example.com." }] },
    });

  it("is written once by the first master; a failover moves the VIP and leaves the record as it is, held by the new master only", async () => {
    world = await startVipRecord();
    expect((await world.a.run(["master"])).code).toBe(0);
    expect(valueOf(world)).toEqual(["10.0.1.100"]);
    const since = Date.now();

    const takeover = await world.b.run(["master"]);

    expect(takeover.code, takeover.stderr).toBe(0);
    expect(world.route53!.calls.of("ChangeResourceRecordSets", since)).toEqual([]);
    expect(valueOf(world)).toEqual(["10.0.1.100"]);
    const [onA, onB] = await Promise.all([world.a.run(["show"]), world.b.run(["show"])]);
    expect(onB.stdout).toMatch(/db\.example\.com\. A 10\.0\.1\.100 \(vip web-vip, on this node\)/);
    expect(onA.stdout).toMatch(/db\.example\.com\. A 10\.0\.1\.100 \(vip web-vip, on node-b, i-0a1b2c3d4e5f6000b\)/);
  });
});

describe("a record the description gets wrong", () => {
  it("a record name outside its zone: `master` exits 6 with one line naming the place, and Route53 hears nothing", async () => {
    world = await start({ holder: nodeB.address });
    const written = JSON.parse(readFileSync(world.a.clusterFile, "utf8")) as { resources: { recordName?: string }[] };
    written.resources[1]!.recordName = "db.example.org.";
    writeFileSync(world.a.clusterFile, JSON.stringify(written));

    const master = await world.a.run(["master"]);

    expect(master.code).toBe(6);
    expect(master.stderr).toContain(
      "resources[1].recordName: db.example.org. is a record name outside its zone example.com.; name the record inside the zone (such as db.example.com.), or give the zone it belongs to",
    );
    expect(world.route53!.calls.all()).toEqual([]);
    expect(world.mutatingCalls()).toEqual([]);
  });
});
