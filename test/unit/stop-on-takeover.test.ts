import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { clusterDescriptionSchema } from "../../src/cluster/schema";
import { buildIamPolicy } from "../../src/gen/iam-policy";
import { closingLine } from "../../src/transition/closing-line";
import { describePlan } from "../../src/transition/plan";
import { runTransition, type Ports, type TransitionReport } from "../../src/transition/runner";
import { givesBackOnRelease, stopDelaySeconds, turnOf } from "../../src/transition/stop-on-takeover";
import { a, b, clusterOf, identityOf, onNode, twoNodeEc2, zone } from "./support/cluster";
import type { FakeEc2 } from "./support/fake-ec2";
import { memoryLog } from "./support/memory-log";

// fencing.stopPeerOnTakeover: a node that acquires while another node of the cluster still holds
// what its own release would have given back stops that node; the lower priority waits its turn
// and looks again, so two nodes that both became master never stop each other.

const vip = "10.0.1.100";
const allocationId = "eipalloc-0abc00000000000e1";
const volumeId = "vol-0abc00000000000d1";
const stranger = { instanceId: "i-0ccccccccccccccc3", networkInterfaceId: "eni-0ccccccccccccccc3", address: "10.0.1.12" };

const runDirs: string[] = [];
afterEach(() => runDirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

type Member = typeof a;

interface Options {
  stopPeerOnTakeover?: boolean;
  /** The vip's and Elastic IP's `release`: only with it on does their place say the peer did not hand over. */
  release?: boolean;
  volume?: boolean;
  fencingEnabled?: boolean;
  stopPeerDelay?: number;
}

/** A cluster of A (priority 150) and B (100) with a VIP and its Elastic IP, and optionally a volume; `on` runs the transitions. */
function cluster(on: Member, options: Options = {}, ec2: FakeEc2 = twoNodeEc2()) {
  const runDir = mkdtempSync(join(tmpdir(), "aws-ha-stop-on-takeover-"));
  runDirs.push(runDir);
  const release = options.release ?? true;
  const description = clusterOf(
    [
      { kind: "vip", name: "web-vip", address: vip, release },
      { kind: "eip", name: "web-eip", allocationId, privateAddress: vip, release },
      ...(options.volume ? [{ kind: "volume", name: "data", volumeId, mountPoint: "/srv/data" }] : []),
    ],
    {
      paths: { runDir },
      fencing: {
        enabled: options.fencingEnabled ?? false,
        stopPeerOnTakeover: options.stopPeerOnTakeover ?? true,
        stopPeerDelay: options.stopPeerDelay ?? 0.3,
        peerReleaseTimeout: 5,
        stopTimeout: 5,
      },
      timeouts: { volume: 5, transition: 30 },
    },
  );
  if (!ec2.addresses.has(allocationId)) ec2.addAddress(allocationId, "198.51.100.10");
  const { host } = onNode(on, description, ec2);
  const { log, lines } = memoryLog();
  const ports: Ports = {
    description,
    imds: { identity: async () => identityOf(on), interfaceIdOf: async () => on.networkInterfaceId },
    ec2: () => ec2,
    host,
    log,
  };
  return { ports, ec2, lines, description };
}

/** The VIP (and its Elastic IP) on the holder's ENI, as a master that never released them leaves them. */
function vipOn(ec2: FakeEc2, holder: { networkInterfaceId: string }): void {
  ec2.interfaces.get(holder.networkInterfaceId)!.privateIps.push(vip);
  ec2.addAddress(allocationId, "198.51.100.10", { networkInterfaceId: holder.networkInterfaceId, privateIp: vip });
}

function done(report: TransitionReport) {
  if (report.status !== "done") throw new Error(`expected a transition that ran, got ${report.status}`);
  return report;
}

const master = { direction: "acquire", cause: "master" } as const;

describe("whose turn it is to stop a peer", () => {
  const description = (priorities: number[], stopPeerDelay = 10) =>
    clusterDescriptionSchema.parse({
      cluster: "web",
      nodes: priorities.map((priority, i) => ({
        name: `node-${i}`,
        address: `10.0.1.${10 + i}`,
        instanceId: `i-0aaaaaaaaaaaaaa0${i}`,
        priority,
      })),
      resources: [],
      keepalived: { virtualRouterId: 51 },
      fencing: { stopPeerOnTakeover: true, stopPeerDelay },
    });

  it("the highest priority stops at once, each lower one waits one stopPeerDelay longer than the node above it", () => {
    const d = description([100, 150, 120], 10);
    expect(d.nodes.map((n) => turnOf(d, n))).toEqual([2, 0, 1]);
    expect(d.nodes.map((n) => stopDelaySeconds(d, n))).toEqual([20, 0, 10]);
  });

  it("nodes of equal priority take their turns in the description's order, so no two share one", () => {
    const d = description([100, 100, 100], 4);
    expect(d.nodes.map((n) => stopDelaySeconds(d, n))).toEqual([0, 4, 8]);
  });

  it("with a volume or ENI in the description every turn comes one stopPeerDelay later, the first included", () => {
    const d = clusterOf([{ kind: "volume", name: "data", volumeId, mountPoint: "/srv/data" }], {
      fencing: { stopPeerOnTakeover: true, stopPeerDelay: 4 },
    });
    expect(d.nodes.map((n) => stopDelaySeconds(d, n))).toEqual([4, 8]);
  });

  it("the setting is off and its delay 10 s unless the description says otherwise", () => {
    const d = clusterOf([]);
    expect(d.fencing.stopPeerOnTakeover).toBe(false);
    expect(d.fencing.stopPeerDelay).toBe(10);
  });
});

describe("what shows that a peer did not hand over", () => {
  const spec = (resource: Record<string, unknown>) => clusterOf([resource]).resources[0]!;

  it("a volume always, an ENI unless its release is off, a vip, eip or route only with release on, a service or hook never", () => {
    expect(givesBackOnRelease(spec({ kind: "volume", name: "data", volumeId, mountPoint: "/srv/data" }))).toBe(true);
    expect(givesBackOnRelease(spec({ kind: "eni", name: "nic", networkInterfaceId: "eni-0ddddddddddddddd4", deviceIndex: 1 }))).toBe(true);
    expect(
      givesBackOnRelease(spec({ kind: "eni", name: "nic", networkInterfaceId: "eni-0ddddddddddddddd4", deviceIndex: 1, release: false })),
    ).toBe(false);
    // A graceful release leaves a vip with release off on the old holder's ENI: its place proves nothing.
    expect(givesBackOnRelease(spec({ kind: "vip", name: "v", address: vip }))).toBe(false);
    expect(givesBackOnRelease(spec({ kind: "vip", name: "v", address: vip, release: true }))).toBe(true);
    expect(givesBackOnRelease(spec({ kind: "eip", name: "e", allocationId, release: true }))).toBe(true);
    expect(givesBackOnRelease(spec({ kind: "route", name: "r", address: "192.168.100.1", routeTables: ["rtb-0abc0000000000001"] }))).toBe(
      false,
    );
    expect(givesBackOnRelease(spec({ kind: "service", name: "db", unit: "postgresql.service" }))).toBe(false);
  });
});

describe("given B kept the VIP and its Elastic IP (release on) and A becomes master", () => {
  it("A (highest priority) moves them and stops B with force, confirms it stopped, and its closing line says so", async () => {
    const ec2 = twoNodeEc2();
    vipOn(ec2, b);
    const { ports, lines, description } = cluster(a, {}, ec2);

    const report = done(await runTransition(ports, master));

    expect(ec2.calls).toContain(`stopInstance ${b.instanceId}`);
    expect(ec2.instances.get(b.instanceId)!.state).toBe("stopped");
    expect(ec2.interfaces.get(a.networkInterfaceId)!.privateIps).toContain(vip);
    expect(report.plan.peerStops).toMatchObject([{ node: { name: "node-b" }, stopped: true, delaySeconds: 0 }]);
    expect(lines).toContainEqual(
      expect.stringMatching(
        `fencing node-b, ${b.instanceId}: stopping it with force, as it did not hand over: it still held vip web-vip, eip web-eip`,
      ),
    );
    const line = closingLine(report.plan, report.results, { nodes: description.nodes, self: a.instanceId, ms: 1200 });
    expect(line).toBe(
      "acquire done: vip 10.0.1.100 from node-b, eip 198.51.100.10 → 10.0.1.100 from node-b; node-b stopped (it did not hand over vip web-vip, eip web-eip) (1.2 s)",
    );
  });

  it("with the setting off, A moves them and stops nobody", async () => {
    const ec2 = twoNodeEc2();
    vipOn(ec2, b);
    const { ports } = cluster(a, { stopPeerOnTakeover: false }, ec2);

    const report = done(await runTransition(ports, master));

    expect(ec2.mutated("stopInstance")).toEqual([]);
    expect(report.plan.peerStops).toBeUndefined();
    expect(ec2.interfaces.get(a.networkInterfaceId)!.privateIps).toContain(vip);
  });

  it("with release off the VIP's place proves nothing (a graceful release leaves it there): nobody is stopped", async () => {
    const ec2 = twoNodeEc2();
    vipOn(ec2, b);
    const { ports } = cluster(a, { release: false }, ec2);

    done(await runTransition(ports, master));

    expect(ec2.mutated("stopInstance")).toEqual([]);
  });

  it("when this instance is itself stopping, it moves them but stops nobody", async () => {
    const ec2 = twoNodeEc2();
    vipOn(ec2, b);
    ec2.pinInstanceState(a.instanceId, "stopping");
    const { ports, lines } = cluster(a, {}, ec2);

    const report = done(await runTransition(ports, master));

    expect(ec2.mutated("stopInstance")).toEqual([]);
    expect(report.plan.peerStops).toMatchObject([
      { stopped: false, because: "this instance is stopping, and only a running instance stops its peer" },
    ]);
    expect(lines).toContainEqual(expect.stringMatching("not stopping node-b: this instance is stopping"));
  });

  it("--dry-run says it would stop B and changes nothing", async () => {
    const ec2 = twoNodeEc2();
    vipOn(ec2, b);
    const { ports } = cluster(a, {}, ec2);

    const report = await runTransition(ports, master, { dryRun: true });

    expect(report.status).toBe("planned");
    if (report.status !== "planned") return;
    expect(describePlan(report.plan)).toContain(`stop node-b (${b.instanceId}) with force: it did not hand over vip web-vip, eip web-eip`);
    expect(ec2.calls).toEqual([]);
  });
});

describe("given the VIP is on an instance that is no node of the cluster", () => {
  it("A takes the VIP but never stops that instance", async () => {
    const ec2 = twoNodeEc2();
    ec2.addInstance(stranger.instanceId, zone);
    ec2.addInterface({
      ...stranger,
      subnetId: "subnet-0a1",
      availabilityZone: zone,
      privateIps: [stranger.address],
      sourceDestCheck: true,
    });
    vipOn(ec2, stranger);
    const { ports, lines } = cluster(a, {}, ec2);

    const report = done(await runTransition(ports, master));

    expect(ec2.mutated("stopInstance")).toEqual([]);
    expect(report.plan.peersToStop).toBeUndefined();
    expect(ec2.interfaces.get(a.networkInterfaceId)!.privateIps).toContain(vip);
    expect(lines).toContainEqual(
      expect.stringMatching(`held by ${stranger.instanceId}, which is no node of cluster web: it is not stopped`),
    );
  });
});

describe("given A kept the VIP and its Elastic IP and B (lower priority) becomes master", () => {
  it("B moves them at once, while its stop of A waits for B's turn", async () => {
    const ec2 = twoNodeEc2();
    vipOn(ec2, a);
    // B's turn comes only when the test lets it: the stop's own describe of B waits behind this gate.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const describeInstance = ec2.describeInstance.bind(ec2);
    let askedForStop = false;
    ec2.describeInstance = async (id) => {
      askedForStop = true;
      await gate;
      return describeInstance(id);
    };
    const { ports } = cluster(b, { stopPeerDelay: 0.05 }, ec2);

    const running = runTransition(ports, master);
    await vi.waitFor(() => expect(askedForStop).toBe(true), { timeout: 5000 });
    await vi.waitFor(
      () => {
        expect(ec2.interfaces.get(b.networkInterfaceId)!.privateIps).toContain(vip);
        expect(ec2.addresses.get(allocationId)).toMatchObject({ networkInterfaceId: b.networkInterfaceId, privateIp: vip });
      },
      { timeout: 5000 },
    );
    expect(ec2.mutated("stopInstance")).toEqual([]);
    openGate();
    const report = done(await running);

    expect(ec2.mutated("stopInstance")).toEqual([`stopInstance ${a.instanceId}`]);
    expect(ec2.calls.indexOf(`stopInstance ${a.instanceId}`)).toBeGreaterThan(
      ec2.calls.indexOf(`assignPrivateIp ${b.networkInterfaceId} ${vip}`),
    );
    expect(report.plan.peerStops).toMatchObject([{ node: { name: "node-a" }, stopped: true, delaySeconds: 0.05 }]);
  });

  it("when A stops B during B's wait (A's turn came first), B stops nobody", async () => {
    const ec2 = twoNodeEc2();
    vipOn(ec2, a);
    const { ports, lines } = cluster(b, { stopPeerDelay: 0.3 }, ec2);

    const running = runTransition(ports, master);
    await vi.waitFor(() => expect(lines.some((l) => l.includes("waits 0.3 s (its turn by priority)"))).toBe(true), { timeout: 5000 });
    await ec2.stopInstance(b.instanceId);
    const report = done(await running);

    expect(ec2.mutated("stopInstance")).toEqual([`stopInstance ${b.instanceId}`]);
    expect(report.plan.peerStops).toMatchObject([{ stopped: false, because: expect.stringMatching(/^this instance is stopp/) }]);
  });

  it("when A is already stopped by B's turn, B sends no StopInstances", async () => {
    const ec2 = twoNodeEc2();
    vipOn(ec2, a);
    const { ports } = cluster(b, { stopPeerDelay: 0.3 }, ec2);
    const running = runTransition(ports, master);
    ec2.pinInstanceState(a.instanceId, "stopped");

    const report = done(await running);

    expect(ec2.mutated("stopInstance")).toEqual([]);
    expect(report.plan.peerStops).toMatchObject([{ stopped: false, because: "it is stopped already" }]);
  });
});

describe("given B keeps the volume a moment longer while A (the highest priority) becomes master", () => {
  it("A waits one turn, sees B let go of it (its release was only slower than A's inspect) and stops nobody", async () => {
    const ec2 = twoNodeEc2();
    ec2.addVolume(volumeId, zone, { instanceId: b.instanceId });
    ec2.peerReleasesAfter(volumeId, 2);
    const { ports } = cluster(a, { volume: true, stopPeerDelay: 0.8 }, ec2);

    const report = done(await runTransition(ports, master));

    expect(ec2.mutated("stopInstance")).toEqual([]);
    expect(report.plan.peerStops).toMatchObject([
      { delaySeconds: 0.8, stopped: false, because: expect.stringContaining("let go of volume data") },
    ]);
    expect(ec2.attachmentsOf(volumeId)).toEqual([{ instanceId: a.instanceId, state: "attached" }]);
  });
});

describe("given A kept the volume and B becomes master", () => {
  it("when A lets go of the volume during B's wait (a handover that ran late), B attaches it and stops nobody", async () => {
    const ec2 = twoNodeEc2();
    ec2.addVolume(volumeId, zone, { instanceId: a.instanceId });
    ec2.peerReleasesAfter(volumeId, 2);
    const { ports } = cluster(b, { volume: true, stopPeerDelay: 0.8 }, ec2);

    const report = done(await runTransition(ports, master));

    expect(ec2.mutated("stopInstance")).toEqual([]);
    expect(report.plan.peerStops).toMatchObject([
      { stopped: false, because: expect.stringContaining("it let go of volume data meanwhile") },
    ]);
    expect(ec2.attachmentsOf(volumeId)).toEqual([{ instanceId: b.instanceId, state: "attached" }]);
  });

  it("when A never lets go, B stops it once: the volume's handover reuses that stop, force-detaches and attaches here", async () => {
    const ec2 = twoNodeEc2();
    ec2.addVolume(volumeId, zone, { instanceId: a.instanceId });
    const { ports } = cluster(b, { volume: true, stopPeerDelay: 0.2 }, ec2);

    const report = done(await runTransition(ports, master));

    expect(report.results.map((r) => [r.step.resource.name, r.error ?? r.outcome])).toEqual([
      ["web-vip", "changed"],
      ["web-eip", "changed"],
      ["data", "changed"],
    ]);
    expect(ec2.mutated("stopInstance")).toEqual([`stopInstance ${a.instanceId}`]);
    const forced = ec2.calls.indexOf(`detachVolume ${volumeId} ${a.instanceId} force`);
    expect(forced).toBeGreaterThan(ec2.calls.indexOf(`stopInstance ${a.instanceId}`));
    expect(ec2.attachmentsOf(volumeId)).toEqual([{ instanceId: b.instanceId, state: "attached" }]);
    expect(report.plan.peerStops).toMatchObject([{ stopped: true }]);
  });
});

describe("the nodes' IAM policy", () => {
  const fencePeers = (fencing: Record<string, unknown>) =>
    buildIamPolicy(
      clusterOf([{ kind: "vip", name: "web-vip", address: vip, release: true }], { region: "eu-west-1", fencing }),
    ).Statement.find((s) => s.Sid === "FencePeers");

  it("lets the nodes stop each other's instances when stopPeerOnTakeover is on, even with volume fencing off", () => {
    expect(fencePeers({ stopPeerOnTakeover: true })).toEqual({
      Sid: "FencePeers",
      Effect: "Allow",
      Action: ["ec2:StopInstances"],
      Resource: [a, b].map((n) => `arn:aws:ec2:eu-west-1:*:instance/${n.instanceId}`),
    });
  });

  it("grants no StopInstances when neither way of fencing is on", () => {
    expect(fencePeers({})).toBeUndefined();
  });
});
