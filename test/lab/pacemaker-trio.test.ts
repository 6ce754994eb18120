import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EipSpec, VipSpec, VolumeSpec } from "../../src/cluster/schema";
import { summarizeCalls } from "./harness/api-calls";
import { eipAssociation, holderOfVolume, interfaceIps, type WorldState } from "./harness/cloud-control";
import type { LabNode } from "./harness/lab-node";
import { pacemakerLabBlocker, PacemakerLab, type PacemakerNode } from "./harness/pacemaker-lab";
import { pcsResources, pcsStonithDevices, resourcesXml } from "./harness/pacemaker-cib";
import { nodeRunningAll } from "./harness/pacemaker-status";
import { announceSkip, fixture } from "./harness/scenario";
import type { NotifyRecord } from "./harness/notify-log";
import { readProof, writeProof } from "./harness/volume-data";
import { waitFor } from "./harness/wait";

// Scenario 10: three nodes run Corosync and Pacemaker; the resources are the ones aws-ha-gen
// rendered as pcs commands (one ocf:aws-ha:aws-ha resource per aws-ha resource, in one group).
// The node running the group stops its Pacemaker; the group, and with it the data volume, the VIP
// on the ENI and the Elastic IP, moves to another node.

const blocker = pacemakerLabBlocker();
announceSkip("Pacemaker trio", blocker);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe.skipIf(blocker !== undefined)("Pacemaker trio: the group moves when its node's Pacemaker stops", () => {
  let lab: PacemakerLab;
  let vip: VipSpec;
  let eip: EipSpec;
  let volume: VolumeSpec;

  /** The node EC2 gives the VIP, the Elastic IP and the volume to. */
  const holderInWorld = (world: WorldState, nodes: readonly LabNode[]): LabNode | undefined => {
    const association = eipAssociation(world, eip.allocationId);
    return nodes.find((n) => {
      const eni = n.member.networkInterfaceId ?? "";
      return (
        interfaceIps(world, eni).includes(vip.address) &&
        association?.networkInterfaceId === eni &&
        association.privateIp === vip.address &&
        holderOfVolume(world, volume.volumeId).join() === n.instanceId
      );
    });
  };
  /** The node itself agrees: the VIP on its interface, the volume mounted. */
  const holdsLocally = async (n: LabNode): Promise<boolean> =>
    (await lab.addressesOf(n)).includes(vip.address) && n.machine.mountAt(volume.mountPoint) !== undefined;
  const holdsEverything = async (n: LabNode): Promise<boolean> =>
    holderInWorld(await lab.ec2.control.state(), [n]) === n && (await holdsLocally(n));

  beforeAll(async () => {
    lab = await PacemakerLab.create(fixture("pacemaker-trio"));
    vip = lab.description.resources.find((r): r is VipSpec => r.kind === "vip")!;
    eip = lab.description.resources.find((r): r is EipSpec => r.kind === "eip")!;
    volume = lab.volumeSpecs[0]!;
  });
  afterEach((context) => {
    if (context.task.result?.state === "fail") dumpPacemakerLogs(lab);
  });
  afterAll(() => lab?.destroy());

  it("10: the active node's Pacemaker stops, the group moves with the volume, the VIP and the Elastic IP", async () => {
    const startedAt = Date.now();
    for (const n of lab.nodes) n.pacemaker.startCorosync();
    for (const n of lab.nodes) n.pacemaker.startPacemaker();
    const [first] = lab.nodes as [PacemakerNode];
    const names = lab.nodes.map((n) => n.node.name).sort();
    // Pacemaker waits dc-deadtime (20 s) for an existing DC before it elects one.
    await waitFor(
      async () => {
        const s = await lab.status(first);
        return s.dc !== undefined && s.quorate && [...s.online].sort().join() === names.join() && s;
      },
      { what: `a DC with quorum and ${names.join(", ")} online`, timeoutMs: 90_000, intervalMs: 500 },
    );
    const quorateAt = Date.now();

    // The resources as aws-ha-gen rendered them for an operator, minus fence_aws (below).
    const outDir = await first.node.render();
    const script = readFileSync(join(outDir, "pacemaker.sh"), "utf8");
    const resources = pcsResources(script);
    expect(new Set(resources.map((r) => r.agent))).toEqual(new Set(["ocf:aws-ha:aws-ha"]));
    expect(resources.map((r) => r.params.resource).sort()).toEqual(lab.description.resources.map((r) => r.name).sort());
    expect(new Set(resources.map((r) => r.group)).size).toBe(1);
    // Debian's fence_aws (boto3 1.26) cannot be pointed at the EC2 stand-in: the lab runs without stonith.
    expect(pcsStonithDevices(script)).toEqual([`${lab.description.cluster}-fence fence_aws`]);
    await first.pacemaker.tool(["crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "--update", "false"]);
    for (const xml of resourcesXml(resources))
      await first.pacemaker.tool(["cibadmin", "--create", "--scope", "resources", "--xml-text", xml]);
    const configuredAt = Date.now();
    const ids = resources.map((r) => r.id);

    const active = await waitFor(
      async () => {
        const on = nodeRunningAll(await lab.status(first), ids);
        const holder = on === undefined ? undefined : lab.node(on);
        return holder && (await holdsEverything(holder.node)) && holder;
      },
      {
        what: `the group started on one node, holding ${volume.volumeId}, ${vip.address} and ${eip.publicIp}`,
        timeoutMs: 90_000,
        intervalMs: 250,
      },
    );
    const heldAt = Date.now();
    const others = lab.nodes.filter((n) => n !== active);
    for (const other of others) {
      expect(await lab.addressesOf(other.node)).not.toContain(vip.address);
      expect(other.node.machine.mountAt(volume.mountPoint)).toBeUndefined();
    }
    const proof = await writeProof(active.node, volume.mountPoint);
    console.log(
      `[lab] 10 pacemaker start: start→quorum and DC ${seconds(quorateAt - startedAt)}, ` +
        `configured→resources held on ${active.node.name} ${seconds(heldAt - configuredAt)}`,
    );

    // Graceful stop: pacemakerd stops the group here, leaves the cluster and exits; Corosync stays.
    const stoppedAt = Date.now();
    const exited = active.pacemaker.stopPacemaker(120_000);
    const observer = others[0]!;
    const next = await waitFor(
      async () => {
        const world = await lab.ec2.control.state();
        const holder = holderInWorld(
          world,
          others.map((n) => n.node),
        );
        return holder && (await holdsLocally(holder)) && holder;
      },
      {
        what: `${volume.volumeId}, ${vip.address} and ${eip.publicIp} on a node other than ${active.node.name}`,
        timeoutMs: 120_000,
        intervalMs: 100,
      },
    );
    const movedAt = Date.now();
    expect(await exited).toBe(true);
    const exitedAt = Date.now();

    const world = await lab.ec2.control.state();
    expect(interfaceIps(world, active.node.member.networkInterfaceId ?? "")).not.toContain(vip.address);
    expect(await lab.addressesOf(active.node)).not.toContain(vip.address);
    expect(active.node.machine.mountAt(volume.mountPoint)).toBeUndefined();
    expect(await readProof(next, volume.mountPoint)).toBe(proof);
    // A graceful stop releases everything: aws-ha's own fencing had nothing to do.
    expect((await lab.ec2.control.calls()).filter((c) => c.at >= stoppedAt && c.action === "StopInstances")).toEqual([]);
    const status = await lab.status(observer);
    expect(status.online).not.toContain(active.node.name);
    expect(nodeRunningAll(status, ids)).toBe(next.name);
    const calls = (await lab.ec2.control.calls()).filter((c) => c.at >= stoppedAt);
    const released = active.node.notify(stoppedAt).filter((r) => r.fields.ms !== undefined);
    const acquired = next.notify(stoppedAt).filter((r) => r.fields.ms !== undefined);
    // Each OCF action runs one resource: the group's order shows as stop/start steps on two nodes.
    expect(released.map((r) => r.msg).filter((m) => m.startsWith("release"))).not.toEqual([]);
    expect(acquired.map((r) => r.msg).filter((m) => m.startsWith("acquire"))).not.toEqual([]);
    console.log(
      `[lab] 10 pacemaker stop ${active.node.name}: stop→resources moved ${seconds(movedAt - stoppedAt)} (to ${next.name}), ` +
        `pacemakerd exited after ${seconds(exitedAt - stoppedAt)}; ${active.node.name}: ${steps(released, stoppedAt)}; ` +
        `${next.name}: ${steps(acquired, stoppedAt)}; EC2 calls: ${summarizeCalls(calls)}`,
    );
  });
});

/** aws-ha's timed steps as "+at s msg resource ms". */
function steps(records: readonly NotifyRecord[], since: number): string {
  return records
    .map((r) => `+${seconds(r.at - since)} ${r.msg}${r.fields.resource ? ` ${r.fields.resource}` : ""} ${r.fields.ms}ms`)
    .join(", ");
}

function dumpPacemakerLogs(lab: PacemakerLab | undefined, lines = 60): void {
  if (!lab) return;
  const tail = (text: string) => text.split("\n").filter(Boolean).slice(-lines).join("\n    ");
  for (const { node, pacemaker } of lab.nodes) {
    console.log(`[lab] ---- ${node.name} syslog (last ${lines})\n    ${tail(readQuietly(join(node.machine.spec.dir, "syslog.log")))}`);
    console.log(`[lab] ---- ${node.name} corosync/pacemakerd output (last ${lines})\n    ${tail(pacemaker.logs())}`);
    console.log(`[lab] ---- ${node.name} pacemaker.log (last ${lines})\n    ${tail(readQuietly(pacemaker.logFile))}`);
  }
  if (lab.problems.length > 0) console.log(`[lab] lab problems: ${lab.problems.join(" | ")}`);
}

function readQuietly(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
