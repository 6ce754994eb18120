import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EipSpec, VipSpec, VolumeSpec } from "../../src/cluster/schema";
import { stopInstancesCalls, summarizeCalls } from "./harness/api-calls";
import { eipAssociation, holderOfVolume, interfaceIps, type WorldState } from "./harness/cloud-control";
import type { LabNode } from "./harness/lab-node";
import { pacemakerLabBlocker, PacemakerLab, type PacemakerNode } from "./harness/pacemaker-lab";
import { pcsResources, pcsStonithDevices, pcsStonithResources, resourcesXml } from "./harness/pacemaker-cib";
import { nodeRunningAll } from "./harness/pacemaker-status";
import { announceSkip, fixture } from "./harness/scenario";
import type { NotifyRecord } from "./harness/notify-log";
import { readProof, writeProof } from "./harness/volume-data";
import { waitFor } from "./harness/wait";

// Scenarios 10-12: three nodes run Corosync and Pacemaker with stonith-enabled=true; the resources
// are the ones aws-ha-gen rendered as pcs commands (one ocf:aws-ha:aws-ha resource per aws-ha
// resource, in one group, and the stonith device stonith:fence_aws_ha, which reaches the EC2
// stand-in like every aws-ha command on the node). 10: the node running the group stops its
// Pacemaker; the group, and with it the data volume, the VIP on the ENI and the Elastic IP, moves to
// another node, and nobody is fenced. 11: the node running the group is cut off the cluster
// network; the two others fence it (its instance stopped in EC2, which powers the lab node off) and
// only then take the group over. 12: an operator fences a node by hand with stonith_admin.

const blocker = pacemakerLabBlocker();
announceSkip("Pacemaker trio", blocker);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe.skipIf(blocker !== undefined)("Pacemaker trio with stonith: the group moves, a lost node is fenced first", () => {
  let lab: PacemakerLab;
  let ids: string[] = [];
  let stonithId = "";
  let proof = "";
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

    // The resources and the stonith device as aws-ha-gen rendered them for an operator.
    const outDir = await first.node.render();
    const script = readFileSync(join(outDir, "pacemaker.sh"), "utf8");
    const resources = pcsResources(script);
    expect(new Set(resources.map((r) => r.agent))).toEqual(new Set(["ocf:aws-ha:aws-ha"]));
    expect(resources.map((r) => r.params.resource).sort()).toEqual(lab.description.resources.map((r) => r.name).sort());
    expect(new Set(resources.map((r) => r.group)).size).toBe(1);
    expect(pcsStonithDevices(script)).toEqual([`${lab.description.cluster}-fence fence_aws_ha`]);
    const stonith = pcsStonithResources(script);
    stonithId = stonith[0]!.id;
    expect(stonith[0]!.params.pcmk_host_map).toBe(lab.description.nodes.map((n) => `${n.name}:${n.instanceId}`).join(";"));
    // Pacemaker itself reads the agent's metadata from the node's /usr/sbin.
    expect(await first.pacemaker.tool(["stonith_admin", "--metadata", "--agent", "fence_aws_ha"])).toContain(`<parameter name="plug"`);
    await first.pacemaker.tool(["crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "--update", "true"]);
    for (const xml of resourcesXml([...stonith, ...resources]))
      await first.pacemaker.tool(["cibadmin", "--create", "--scope", "resources", "--xml-text", xml]);
    const configuredAt = Date.now();
    ids = resources.map((r) => r.id);

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
    // The stonith device runs too (its monitor asks EC2 about every node's instance).
    await waitFor(async () => ((await lab.status(first)).roles.get(stonithId) === "Started" ? true : undefined), {
      what: `the stonith device ${stonithId} started`,
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    const others = lab.nodes.filter((n) => n !== active);
    for (const other of others) {
      expect(await lab.addressesOf(other.node)).not.toContain(vip.address);
      expect(other.node.machine.mountAt(volume.mountPoint)).toBeUndefined();
    }
    proof = await writeProof(active.node, volume.mountPoint);
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
    // A graceful stop releases everything: neither aws-ha's own fencing nor stonith had anything to do.
    expect(stopInstancesCalls(await lab.ec2.control.calls(), stoppedAt)).toEqual([]);
    // Its controller has left the cluster. (With fencing on, crm_mon went on listing the node online
    // here for more than 30 s: its Corosync still runs.)
    await waitFor(
      async () =>
        /\bcrmd="offline"/.test(
          await observer.pacemaker.tool(["cibadmin", "--query", "--xpath", `//node_state[@uname='${active.node.name}']`]),
        ),
      { what: `the CIB to record ${active.node.name}'s controller offline`, timeoutMs: 30_000, intervalMs: 250 },
    );
    const status = await lab.status(observer);
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

  it("11: the node running the group is cut off; the other two fence it through EC2, then take the group over", async () => {
    // The node stopped in 10 joins again; the group runs wherever Pacemaker puts it.
    for (const n of lab.nodes) if (!n.pacemaker.pacemakerRunning) n.pacemaker.startPacemaker();
    const names = lab.nodes.map((n) => n.node.name).sort();
    const [first] = lab.nodes as [PacemakerNode];
    const holder = await waitFor(
      async () => {
        const s = await lab.status(first);
        if (!s.quorate || [...s.online].sort().join() !== names.join()) return undefined;
        const on = nodeRunningAll(s, ids);
        const node = on === undefined ? undefined : lab.node(on);
        return node && (await holdsEverything(node.node)) && node;
      },
      { what: `${names.join(", ")} online and the group held on one of them`, timeoutMs: 120_000, intervalMs: 500 },
    );
    const survivors = lab.nodes.filter((n) => n !== holder);
    const observer = survivors[0]!;

    const partitionedAt = Date.now();
    await lab.network.partition(holder.node.name);
    const stopped = await waitFor(
      async () => {
        const state = (await lab.ec2.control.state()).instances.find((i) => i.instanceId === holder.node.instanceId)?.state;
        return state === "stopped" && Date.now();
      },
      { what: `${holder.node.name}'s instance ${holder.node.instanceId} stopped by stonith`, timeoutMs: 180_000, intervalMs: 100 },
    );
    const next = await waitFor(
      async () => {
        const found = holderInWorld(
          await lab.ec2.control.state(),
          survivors.map((n) => n.node),
        );
        return found && (await holdsLocally(found)) && found;
      },
      {
        what: `${volume.volumeId}, ${vip.address} and ${eip.publicIp} on ${survivors.map((n) => n.node.name).join(" or ")}`,
        timeoutMs: 180_000,
        intervalMs: 100,
      },
    );
    const movedAt = Date.now();

    // Fenced before anything moved: the new holder's first change to EC2 came after the stop.
    const calls = (await lab.ec2.control.calls()).filter((c) => c.at >= partitionedAt);
    const stops = stopInstancesCalls(calls);
    expect(stops.length).toBeGreaterThan(0);
    // Only the lost node was ever stopped: the two that still see each other never fence each other.
    expect(new Set(stops.flatMap((c) => c.instanceIds))).toEqual(new Set([holder.node.instanceId]));
    const world = await lab.ec2.control.state();
    for (const s of survivors) expect(world.instances.find((i) => i.instanceId === s.node.instanceId)?.state).toBe("running");
    const firstStop = Math.min(...stops.map((c) => c.at));
    const acquiredBy = next.notify(partitionedAt).filter((r) => r.msg.startsWith("acquire"));
    expect(acquiredBy.length).toBeGreaterThan(0);
    expect(Math.min(...acquiredBy.map((r) => r.at))).toBeGreaterThanOrEqual(firstStop);
    // The fenced node is off (the lab killed its processes when EC2 stopped it) and stays off.
    expect(holder.node.machine.poweredOn).toBe(false);
    expect(world.instances.find((i) => i.instanceId === holder.node.instanceId)?.state).toBe("stopped");
    expect(await readProof(next, volume.mountPoint)).toBe(proof);
    // Pacemaker records the group started on the new holder once the last start has returned, a
    // moment after EC2 and the mount show it there.
    const status = await waitFor(
      async () => {
        const s = await lab.status(observer);
        return s.quorate && nodeRunningAll(s, ids) === next.name && s;
      },
      { what: `Pacemaker reporting the group started on ${next.name}`, timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(status.quorate).toBe(true);
    const fencer = lab.nodes.find((n) => n.node.syslog.lines.some((l) => l.at >= partitionedAt && l.message.includes("off done:")));
    const acquired = next.notify(partitionedAt).filter((r) => r.fields.ms !== undefined);
    console.log(
      `[lab] 11 pacemaker partition ${holder.node.name}: partition→StopInstances ${seconds(firstStop - partitionedAt)}, ` +
        `partition→instance stopped ${seconds(stopped - partitionedAt)}, partition→resources moved ${seconds(movedAt - partitionedAt)} ` +
        `(to ${next.name}; fenced by ${fencer?.node.name ?? "?"}); ${next.name}: ${steps(acquired, partitionedAt)}; ` +
        `EC2 calls: ${summarizeCalls(calls)}`,
    );
  }, 420_000);

  it("12: stonith_admin --reboot fences a node by hand (its instance stopped, as pcmk_reboot_action=off says)", async () => {
    const s = await lab.status(lab.nodes.find((n) => n.pacemaker.pacemakerRunning && n.node.machine.poweredOn)!);
    const holder = lab.node(nodeRunningAll(s, ids)!);
    const target = lab.nodes.find((n) => n !== holder && n.node.machine.poweredOn)!;
    const startedAt = Date.now();
    await holder.pacemaker.tool(["stonith_admin", "--reboot", target.node.name, "--timeout", "120"], 150_000);
    const doneAt = Date.now();
    const world = await lab.ec2.control.state();
    expect(world.instances.find((i) => i.instanceId === target.node.instanceId)?.state).toBe("stopped");
    expect(new Set(stopInstancesCalls(await lab.ec2.control.calls(), startedAt).flatMap((c) => c.instanceIds))).toEqual(
      new Set([target.node.instanceId]),
    );
    const history = await holder.pacemaker.tool(["stonith_admin", "--history", target.node.name, "--verbose"]);
    console.log(
      `[lab] 12 stonith_admin --reboot ${target.node.name}: ${seconds(doneAt - startedAt)}; history: ${history.trim().split("\n")[0]}`,
    );
  }, 240_000);
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
