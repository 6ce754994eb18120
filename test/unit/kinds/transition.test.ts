import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StepResult } from "../../../src/transition/execute";
import { runTransition, type TransitionReport, type Ports } from "../../../src/transition/runner";
import { a, b, blockDevice, clusterOf, identityOf, onNode, twoNodeEc2, zone } from "../support/cluster";
import { memoryLog } from "../support/memory-log";

// The registry's resources driven by the real runner: inspect, plan, execute in dependency order.

const allocationId = "eipalloc-0abc00000000000e1";
const volumeId = "vol-0abc00000000000d1";
const runDirs: string[] = [];
afterEach(() => runDirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Node B holds the VIP, the EIP on it and the data volume; B lets the volume go shortly. */
function clusterHeldByB() {
  const runDir = mkdtempSync(join(tmpdir(), "aws-ha-resources-"));
  runDirs.push(runDir);
  const description = clusterOf(
    [
      { kind: "service", name: "db", unit: "postgresql.service" },
      { kind: "hook", name: "promote", acquire: ["/usr/local/bin/promote"], release: ["/usr/local/bin/demote"] },
      { kind: "eip", name: "web-eip", allocationId, privateAddress: "10.0.1.100", release: true },
      { kind: "volume", name: "data", volumeId, mountPoint: "/srv/data" },
      { kind: "vip", name: "web-vip", address: "10.0.1.100", release: true },
    ],
    { paths: { runDir }, fencing: { peerReleaseTimeout: 5 }, timeouts: { volume: 5 } },
  );
  const timeline: string[] = [];
  const ec2 = twoNodeEc2(timeline);
  ec2.interfaces.get(b.networkInterfaceId)!.privateIps.push("10.0.1.100");
  ec2.addAddress(allocationId, "198.51.100.10", { networkInterfaceId: b.networkInterfaceId, privateIp: "10.0.1.100" });
  ec2.addVolume(volumeId, zone, { instanceId: b.instanceId });
  ec2.peerReleasesAfter(volumeId, 2);
  const { host } = onNode(a, description, ec2, { calls: timeline });
  const { log, lines } = memoryLog();
  const world: Ports = {
    description,
    imds: { identity: async () => identityOf(a), interfaceIdOf: async () => a.networkInterfaceId },
    ec2: () => ec2,
    host,
    log,
  };
  return { world, ec2, host, timeline, lines };
}

function results(report: TransitionReport): StepResult[] {
  expect(report.status).toBe("done");
  return report.status === "done" ? report.results : [];
}

/** Where in the timeline the first call starting with `prefix` happened. */
const at = (timeline: string[], prefix: string) => {
  const i = timeline.findIndex((c) => c.startsWith(prefix));
  expect(i, `${prefix} in ${timeline.join(" | ")}`).toBeGreaterThanOrEqual(0);
  return i;
};

describe("a transition over the registry's resources", () => {
  it("acquire moves the VIP before its EIP, runs the hook on top of the cloud resources and starts the service last", async () => {
    const { world, ec2, host, timeline, lines } = clusterHeldByB();

    const steps = results(await runTransition(world, { direction: "acquire", cause: "master" }));

    // The EIP waits for its VIP, and EC2 moves it along with the VIP's address: nothing left to associate.
    expect(steps.map((s) => [s.step.resource.name, s.error ?? s.outcome])).toEqual(
      ["db", "promote", "web-eip", "data", "web-vip"].map((name) => [name, name === "web-eip" ? "unchanged" : "changed"]),
    );
    expect(timeline.filter((c) => c.startsWith("associateAddress"))).toEqual([]);
    const cloudDone = Math.max(at(timeline, "assignPrivateIp"), at(timeline, `mount ${blockDevice}`));
    expect(at(timeline, "run /usr/local/bin/promote")).toBeGreaterThan(cloudDone);
    expect(at(timeline, "startService")).toBeGreaterThan(at(timeline, "run /usr/local/bin/promote"));

    expect(ec2.interfaces.get(a.networkInterfaceId)!.privateIps).toContain("10.0.1.100");
    expect(ec2.addresses.get(allocationId)).toMatchObject({ networkInterfaceId: a.networkInterfaceId, privateIp: "10.0.1.100" });
    expect(ec2.attachmentsOf(volumeId)).toEqual([{ instanceId: a.instanceId, state: "attached" }]);
    expect(host.services.get("postgresql.service")).toBe(true);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^waiting up to 5 s for node-b, ${b.instanceId} to release ${volumeId} .* resource=data`)),
    );
  });

  it("running the same acquire again makes no mutating call; only the hook runs again", async () => {
    const { world, timeline } = clusterHeldByB();
    await runTransition(world, { direction: "acquire", cause: "master" });
    timeline.length = 0;

    const steps = results(await runTransition(world, { direction: "acquire", cause: "master" }));

    expect(steps.map((s) => s.step.resource.name)).toEqual(["promote"]);
    expect(timeline).toEqual(["run /usr/local/bin/promote (30 s)"]);
  });

  it("release runs in reverse: the service stops, the hook runs, the volume is unmounted and detached, the EIP goes before its VIP", async () => {
    const { world, ec2, timeline } = clusterHeldByB();
    await runTransition(world, { direction: "acquire", cause: "master" });
    timeline.length = 0;

    const steps = results(await runTransition(world, { direction: "release", cause: "backup" }));

    expect(steps.every((s) => s.error === undefined)).toBe(true);
    const stop = at(timeline, "stopService");
    expect(at(timeline, "run /usr/local/bin/demote")).toBeGreaterThan(stop);
    const demote = at(timeline, "run /usr/local/bin/demote");
    for (const cloud of ["unmount /srv/data", "disassociateAddress", "unassignPrivateIp"])
      expect(at(timeline, cloud)).toBeGreaterThan(demote);
    expect(at(timeline, "detachVolume")).toBeGreaterThan(at(timeline, "unmount /srv/data"));
    expect(at(timeline, "unassignPrivateIp")).toBeGreaterThan(at(timeline, "disassociateAddress"));
    expect(ec2.attachmentsOf(volumeId)).toEqual([]);
    expect(ec2.addresses.get(allocationId)!.associationId).toBeUndefined();
  });
});
