import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssignPrivateIpAddressesCommand, DescribeAddressesCommand, DisassociateAddressCommand, EC2Client } from "@aws-sdk/client-ec2";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { startEc2Server } from "../support/ec2-standin/server";
import { Ec2World } from "../support/ec2-standin/world";
import { ids, nodesOf, region, worldSpecFor, type SoakNode } from "./cluster";
import { runCase } from "./driver";
import { accessKeyFor, FrontDoor } from "./front-door";
import { convergenceFindings, safetyFindings } from "./invariants";
import { forget, handLocksTo, KillSwitch, ownerRecords } from "./kill-switch";
import { MachineRoom, type Violation } from "./machine-room";
import { judgeLoss, observeCalls, type Contested, type ContestedView, type ObservedCall } from "./release-race";
import { timeouts } from "./soak";
import { formatCase, newestWords, soakCase, type ClusterShape, type NodeLetter } from "./schedule";
import { installNodeClocks, NodeClock, onNode } from "./wall-clock";

// The soak's own checks must be able to fail: each one, shown a broken cluster, says so.

const shape: ClusterShape = {
  nodes: 2,
  manager: "heartbeat",
  vip: { release: false },
  volume: true,
  hook: false,
  service: true,
  holder: "A",
  attachMs: 1,
  detachMs: 1,
  hookMs: 0,
};

function room(s: ClusterShape = shape) {
  const world = new Ec2World(worldSpecFor(s));
  const reported: Violation[] = [];
  const r = new MachineRoom(world, (invariant, detail) => reported.push({ invariant, detail, atMs: 0 }), {
    hookMs: 0,
    volumeId: s.volume ? ids.volumeId : undefined,
  });
  const [a, b] = nodesOf(s).map((n) => r.add(n));
  return { world, room: r, reported, a: a!, b: b! };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the machine room", () => {
  it("reports a volume mounted on a second node, and a service started without its volume", async () => {
    const { world, room: r, reported, a, b } = room();
    await a.hostFor(1).mount(`/dev/nvme-${ids.volumeId.replace("-", "")}`, ids.mountPoint, "ext4", []);
    // EC2 shows the disk to B as well: a stand-in that lost track of the attachment.
    world.volume(ids.volumeId).attachments.push({
      instanceId: b.node.instanceId,
      device: ids.device,
      state: "attached",
      attachTime: new Date(),
      pendingDetach: false,
    });
    await b.hostFor(2).mount(`/dev/nvme-${ids.volumeId.replace("-", "")}`, ids.mountPoint, "ext4", []);
    expect(reported.map((v) => v.invariant)).toEqual(["volume mounted on two nodes"]);
    expect(safetyFindings(world, r, shape).map((f) => f.invariant)).toEqual(
      expect.arrayContaining(["volume attached to two instances", "volume mounted on two nodes"]),
    );
    const other = room();
    await other.b.hostFor(4).startService({ unit: ids.unit });
    expect(other.reported.map((v) => v.invariant)).toEqual(["service without its volume"]);
  });

  it("shows a node the volume's disk only while EC2 has it attached there", async () => {
    const { world, a, b } = room();
    expect(await a.hostFor(1).findBlockDevice(ids.volumeId, ids.device, "/dev/disk/by-id")).toBeDefined();
    expect(await b.hostFor(1).findBlockDevice(ids.volumeId, ids.device, "/dev/disk/by-id")).toBeUndefined();
    world.volume(ids.volumeId).attachments = [];
    expect(await a.hostFor(1).findBlockDevice(ids.volumeId, ids.device, "/dev/disk/by-id")).toBeUndefined();
  });

  it("reports commands of two transitions running at once on one node", async () => {
    const reported: string[] = [];
    const world = new Ec2World(worldSpecFor(shape));
    const slow = new MachineRoom(world, (invariant) => reported.push(invariant), { hookMs: 20, volumeId: undefined });
    const a = slow.add(nodesOf(shape)[0]!);
    await Promise.all([a.hostFor(1).run(["/hook", "release"], 1000), a.hostFor(2).run(["/hook", "acquire"], 1000)]);
    await a.hostFor(3).run(["/hook", "acquire"], 1000);
    expect(reported).toEqual(["commands of two transitions at once"]);
  });
});

describe("convergence", () => {
  it("holds when the master holds everything, and names what is elsewhere when it does not", async () => {
    const { world, room: r, a } = room();
    a.holdEverything({ volume: true, service: true, localAddresses: [ids.vip] }, ids.mountPoint, ids.unit);
    const [nodeA, nodeB] = nodesOf(shape);
    expect(convergenceFindings(world, r, shape, nodesOf(shape), nodeA)).toEqual([]);
    const wrong = convergenceFindings(world, r, shape, nodesOf(shape), nodeB).map((f) => f.detail);
    expect(wrong).toEqual(
      expect.arrayContaining([
        expect.stringContaining("vip 10.0.1.100 is on node-a"),
        expect.stringContaining("volume is attached to node-a"),
        expect.stringContaining("node-a still runs soak-app.service"),
      ]),
    );
  });
});

describe("a release that loses a race EC2's API cannot prevent", () => {
  const [nodeA, nodeB] = nodesOf(shape) as [SoakNode, SoakNode];
  const table = ids.routeTables[0];
  const route: Contested = { kind: "route", routeTableId: table, cidr: `${ids.overlay}/32` };
  const routedTo = (eni: string | undefined): ContestedView => ({ routes: { [table]: eni }, eip: undefined, interfaces: {} });

  /** A call log as the soak observes it: each call with what the route looked like right after it. */
  function callLog(...calls: [NodeLetter, string, Record<string, string>, string | undefined][]): ObservedCall[] {
    return calls.map(([node, action, params, routeAfter], seq) => ({
      seq,
      atMs: 10 * seq,
      action,
      node,
      params: { Action: action, ...params },
      after: routedTo(routeAfter),
    }));
  }
  const read = { "RouteTableId.1": table };
  const destination = { RouteTableId: table, DestinationCidrBlock: `${ids.overlay}/32` };

  it("is a lost race when the taker's ReplaceRoute lands between the releaser's read and its DeleteRoute", () => {
    // Given A holds the route and releases it, when B's takeover lands after A's read and before A's delete,
    const calls = callLog(
      ["A", "DescribeRouteTables", read, nodeA.networkInterfaceId],
      ["B", "ReplaceRoute", { ...destination, NetworkInterfaceId: nodeB.networkInterfaceId }, nodeB.networkInterfaceId],
      ["A", "DeleteRoute", destination, undefined],
    );
    const verdict = judgeLoss(calls, routedTo(nodeA.networkInterfaceId), route, nodeB, [nodeA, nodeB]);
    // then the route B should hold is gone, and that is the race, not a defect.
    expect(verdict).toMatchObject({
      race: { releaser: nodeA, taker: nodeB, read: { seq: 0 }, taking: { action: "ReplaceRoute", seq: 1 }, loss: { seq: 2 } },
    });
  });

  it("is a violation when the DeleteRoute followed a read that already showed the peer", () => {
    const calls = callLog(
      ["B", "ReplaceRoute", { ...destination, NetworkInterfaceId: nodeB.networkInterfaceId }, nodeB.networkInterfaceId],
      ["A", "DescribeRouteTables", read, nodeB.networkInterfaceId],
      ["A", "DeleteRoute", destination, undefined],
    );
    expect(judgeLoss(calls, routedTo(nodeA.networkInterfaceId), route, nodeB, [nodeA, nodeB])).toEqual({
      why: expect.stringContaining(
        "node-a's last read before DeleteRoute by node-a at 20 ms, DescribeRouteTables by node-a at 10 ms, showed it going to node-b",
      ),
    });
  });

  it("is a violation when the DeleteRoute was sent without a read, or after a read that was not of that table", () => {
    const takeover = [
      "B",
      "ReplaceRoute",
      { ...destination, NetworkInterfaceId: nodeB.networkInterfaceId },
      nodeB.networkInterfaceId,
    ] as const;
    const unread = callLog([...takeover], ["A", "DeleteRoute", destination, undefined]);
    expect(judgeLoss(unread, routedTo(nodeA.networkInterfaceId), route, nodeB, [nodeA, nodeB])).toEqual({
      why: expect.stringContaining("was sent without a read"),
    });
    const otherTable = callLog(
      ["A", "DescribeRouteTables", { "RouteTableId.1": ids.routeTables[1] }, nodeA.networkInterfaceId],
      [...takeover],
      ["A", "DeleteRoute", destination, undefined],
    );
    expect(judgeLoss(otherTable, routedTo(nodeA.networkInterfaceId), route, nodeB, [nodeA, nodeB])).toEqual({
      why: expect.stringContaining("was sent without a read"),
    });
  });

  it("is a violation when a second DeleteRoute reuses the read taken before the first", () => {
    // A deletes its route, B creates its own, and A deletes again without reading afresh.
    const calls = callLog(
      ["A", "DescribeRouteTables", read, nodeA.networkInterfaceId],
      ["A", "DeleteRoute", destination, undefined],
      ["B", "CreateRoute", { ...destination, NetworkInterfaceId: nodeB.networkInterfaceId }, nodeB.networkInterfaceId],
      ["A", "DeleteRoute", destination, undefined],
    );
    expect(judgeLoss(calls, routedTo(nodeA.networkInterfaceId), route, nodeB, [nodeA, nodeB])).toEqual({
      why: expect.stringContaining("DeleteRoute by node-a at 10 ms changed the route"),
    });
  });

  it("finds the Elastic IP race in the stand-in's own log: B's AssignPrivateIpAddresses between A's DescribeAddresses and its DisassociateAddress", async () => {
    const eipShape: ClusterShape = { ...shape, manager: "keepalived", eip: { release: true, onVip: true }, volume: false, service: false };
    const server = await startEc2Server({ spec: worldSpecFor(eipShape) });
    try {
      const observed = observeCalls(server, { cidr: `${ids.overlay}/32`, allocationId: ids.allocationId }, () => 0);
      const client = (letter: NodeLetter) =>
        new EC2Client({
          endpoint: server.url,
          region,
          maxAttempts: 1,
          credentials: { accessKeyId: accessKeyFor(0, letter), secretAccessKey: "soak-check-secret" },
        });
      // Given A holds the VIP and its Elastic IP, and reads the address to release it,
      const seen = await client("A").send(new DescribeAddressesCommand({ AllocationIds: [ids.allocationId] }));
      const associationId = seen.Addresses?.[0]?.AssociationId;
      expect(seen.Addresses?.[0]?.NetworkInterfaceId).toBe(nodeA.networkInterfaceId);
      // when B takes the VIP (the Elastic IP follows it, keeping its association id) and A then disassociates,
      await client("B").send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: nodeB.networkInterfaceId,
          PrivateIpAddresses: [ids.vip],
          AllowReassignment: true,
        }),
      );
      await client("A").send(new DisassociateAddressCommand({ AssociationId: associationId }));
      // then B lost the Elastic IP, convergence names it, and the log shows the race.
      const r = new MachineRoom(server.world, () => undefined, { hookMs: 0, volumeId: undefined });
      for (const n of nodesOf(eipShape)) r.add(n);
      const [finding] = convergenceFindings(server.world, r, eipShape, nodesOf(eipShape), nodeB);
      expect(finding).toMatchObject({ invariant: "did not converge", gone: { kind: "eip", allocationId: ids.allocationId } });
      expect(judgeLoss(observed.calls, observed.initial, finding!.gone!, nodeB, [nodeA, nodeB])).toMatchObject({
        race: {
          releaser: nodeA,
          taker: nodeB,
          read: { action: "DescribeAddresses", node: "A" },
          taking: { action: "AssignPrivateIpAddresses", node: "B" },
          loss: { action: "DisassociateAddress", node: "A" },
        },
      });
    } finally {
      await server.close();
    }
  });
});

describe("the driver", () => {
  it("counts a DeleteRoute held up on the wire while the master takes the route as a lost race, not a violation", async () => {
    const root = mkdtempSync(join(tmpdir(), "aws-ha-soak-check-"));
    dirs.push(root);
    const uninstall = installNodeClocks();
    const door = await FrontDoor.open();
    const saved = process.env.AWS_ENDPOINT_URL_EC2;
    process.env.AWS_ENDPOINT_URL_EC2 = door.url;
    try {
      const routeOnly: ClusterShape = {
        ...shape,
        manager: "keepalived",
        vip: undefined,
        route: { release: true, tables: 1 },
        volume: false,
        service: false,
      };
      // Given A holds the route and releases it, its DeleteRoute takes 1.5 s to reach EC2, and B
      // becomes master meanwhile: B's ReplaceRoute lands after A's read and before A's delete.
      const report = await runCase(
        {
          cluster: routeOnly,
          steps: [
            { kind: "fault", fault: { kind: "latency", action: "DeleteRoute", ms: 1500 } },
            { kind: "event", node: "A", word: "backup" },
            { kind: "wait", ms: 400 },
            { kind: "event", node: "B", word: "master" },
          ],
        },
        { lane: 9, frontDoor: door, root, timeouts, deadPid: 0, reusedPid: 0, canMountTmpfs: false, keepLog: false },
      );
      // Then the route is gone, and the soak counts that as the race, not as a violation.
      expect(report.violations).toEqual([]);
      expect(report.races).toEqual([
        expect.stringMatching(
          /^route to 192\.168\.100\.1\/32 in rtb-\S+: node-a read it as its own .* then node-a's DeleteRoute removed node-b's/,
        ),
      ]);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_EC2;
      else process.env.AWS_ENDPOINT_URL_EC2 = saved;
      await door.close();
      uninstall();
    }
  });
});

describe("a kill", () => {
  it("makes no call after it, answers none in flight, and says when the requests on the wire have landed", async () => {
    let killed = 0;
    const calls: string[] = [];
    let land!: () => void;
    const port = {
      slow: () => new Promise<string>((r) => (land = () => r("late"))),
      quick: async (n: number) => {
        calls.push(`quick ${n}`);
        return n;
      },
    };
    const gate = new KillSwitch(3, () => (killed += 1));
    const wrapped = gate.wrap(port);
    expect(await wrapped.quick(1)).toBe(1);
    let answered = false;
    void wrapped.slow().then(() => (answered = true));
    void wrapped.quick(3);
    let drained = false;
    void gate.drained.then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    expect({ killed, calls, drained }).toEqual({ killed: 1, calls: ["quick 1"], drained: false });
    land();
    await new Promise((r) => setImmediate(r));
    expect({ answered, drained }).toEqual({ answered: false, drained: true });
  });

  it("leaves the lock it held naming another PID, in a lock file or a lock directory's entry, and nothing else", () => {
    const runDir = mkdtempSync(join(tmpdir(), "aws-ha-soak-check-"));
    dirs.push(runDir);
    writeFileSync(join(runDir, "old.lock"), `${process.pid}\n`);
    mkdirSync(join(runDir, "new.lock"));
    writeFileSync(join(runDir, "new.lock", `${process.pid}-4242-abcdef01`), "");
    const temporary = join(runDir, `.${process.pid}-4242-abcdef01.0a0b.lock`);
    mkdirSync(temporary);
    writeFileSync(join(temporary, `${process.pid}-4242-abcdef01`), "");
    const held = ownerRecords(runDir);
    expect(held).toHaveLength(2);
    expect(handLocksTo(held, 7)).toHaveLength(2);
    forget(held);
    expect(readFileSync(join(runDir, "old.lock"), "utf8")).toBe("7\n");
    expect(readdirSync(join(runDir, "new.lock"))).toEqual(["7-4242-abcdef01"]);
    expect(readdirSync(temporary)).toEqual([`${process.pid}-4242-abcdef01`]);
  });

  it("leaves a lock alone that another holder has taken since", () => {
    const runDir = mkdtempSync(join(tmpdir(), "aws-ha-soak-check-"));
    dirs.push(runDir);
    mkdirSync(join(runDir, "new.lock"));
    const entry = join(runDir, "new.lock", `${process.pid}-4242-abcdef01`);
    writeFileSync(entry, "");
    const held = ownerRecords(runDir);
    rmSync(entry);
    writeFileSync(entry, "");
    expect(handLocksTo(held, 7)).toEqual([]);
    forget(held);
    expect(readdirSync(join(runDir, "new.lock"))).toEqual([`${process.pid}-4242-abcdef01`]);
  });
});

describe("node clocks", () => {
  it("step one node's wall clock, fix a process's time origin at its start, and leave the monotonic clock alone", async () => {
    const uninstall = installNodeClocks();
    try {
      const a = new NodeClock();
      const realBefore = Date.now();
      const origin = performance.timeOrigin;
      const started = onNode(a, () => ({ origin: performance.timeOrigin, seen: () => Date.now() }));
      a.step(-60);
      const later = onNode(a, () => ({ origin: performance.timeOrigin, now: Date.now(), mono: performance.now() }));
      expect(Date.now() - realBefore).toBeLessThan(5_000);
      expect(started.origin).toBe(origin);
      expect(later.origin).toBe(origin - 60_000);
      expect(realBefore - later.now).toBeGreaterThan(55_000);
      expect(later.mono).toBeLessThanOrEqual(performance.now());
    } finally {
      uninstall();
    }
    expect(Math.abs(performance.timeOrigin + performance.now() - Date.now())).toBeLessThan(1_000);
  });
});

describe("schedules", () => {
  it("end with at most one node whose newest event acquires, and print as scenario lines", () => {
    fc.assert(
      fc.property(soakCase(), (c) => {
        const masters = [...newestWords(c.cluster, c.steps).values()].filter((w) => w.word === "master");
        expect(masters.length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300, seed: 7 },
    );
    const printed = formatCase({
      cluster: shape,
      steps: [
        { kind: "event", node: "B", word: "master" },
        { kind: "fault", fault: { kind: "throttle", action: "AssociateAddress", count: 2 } },
        { kind: "event", node: "A", word: "backup", kill: { atCall: 3, pidReused: false } },
        { kind: "clock", node: "A", seconds: -60 },
        { kind: "run-dir-full", node: "B" },
      ],
    });
    expect(printed.split("\n").slice(1)).toEqual([
      "   1. B master",
      "   2. fault throttle AssociateAddress x2",
      "   3. kill A mid-release (backup, at its 3rd call)",
      "   4. clock step A -60s",
      "   5. runDir full B",
    ]);
  });
});
