import type { Ec2World } from "../support/ec2-standin/world";
import { ids, managesLocalAddresses, type SoakNode } from "./cluster";
import type { MachineRoom } from "./machine-room";
import type { Contested } from "./release-race";
import type { ClusterShape } from "./schedule";

// What must hold, read from the EC2 stand-in's world and the machine room. Safety holds at every
// moment (checked after every step, and as things happen where the room can see them); convergence
// holds once events stop and the newest events that did not complete have been delivered again.

/**
 * `gone`: the finding is that a resource the master should hold is held by nobody, which an
 * unconditional release racing the master's takeover can cause (release-race.ts tells which).
 */
export type Finding = { invariant: string; detail: string; gone?: Contested };

/** No volume attached to two instances or mounted on two nodes; nothing mounted that EC2 does not show the node. */
export function safetyFindings(world: Ec2World, room: MachineRoom, shape: ClusterShape): Finding[] {
  const findings: Finding[] = [];
  for (const volume of world.volumes.values()) {
    const holders = new Set(volume.attachments.filter((a) => a.state !== "detached").map((a) => a.instanceId));
    if (holders.size > 1)
      findings.push({
        invariant: "volume attached to two instances",
        detail: `${volume.volumeId} is attached to ${[...holders].join(" and ")}`,
      });
    const mounters = room.mountersOf(volume.volumeId);
    if (mounters.length > 1)
      findings.push({
        invariant: "volume mounted on two nodes",
        detail: `${volume.volumeId} is mounted on ${mounters.map((m) => m.node.name).join(" and ")}`,
      });
  }
  for (const machine of room.all()) {
    for (const volumeId of machine.mountedVolumes())
      if (!room.deviceVisible(volumeId, machine.node.instanceId))
        findings.push({
          invariant: "mounted without its disk",
          detail: `${machine.node.name} has ${volumeId} mounted, but EC2 does not attach it there`,
        });
    if (shape.volume && machine.activeServices().length > 0 && !machine.mountedVolumes().includes(ids.volumeId))
      findings.push({
        invariant: "service without its volume",
        detail: `${machine.node.name} runs ${machine.activeServices().join(", ")} without ${ids.volumeId} mounted`,
      });
  }
  return findings;
}

/**
 * Once quiet: the node whose newest event acquires holds every resource; every other node holds
 * nothing local; and where nobody acquires, what `release: true` gives up is held by nobody.
 */
export function convergenceFindings(
  world: Ec2World,
  room: MachineRoom,
  shape: ClusterShape,
  nodes: readonly SoakNode[],
  master: SoakNode | undefined,
): Finding[] {
  const findings: Finding[] = [];
  const wrong = (detail: string, gone?: Contested) => findings.push({ invariant: "did not converge", detail, ...(gone ? { gone } : {}) });
  const nameOfEni = (eni: string | undefined) => nodes.find((n) => n.networkInterfaceId === eni)?.name ?? eni ?? "nobody";
  const nameOfInstance = (id: string) => nodes.find((n) => n.instanceId === id)?.name ?? id;
  const local = managesLocalAddresses(shape);
  const wanted = master ? `${master.name} (newest event master)` : "nobody (no node's newest event is master)";

  const vipEni = world.holderOf(ids.vip)?.networkInterfaceId;
  const eip = world.addresses.get(ids.allocationId)?.association;
  const routes = ids.routeTables.slice(0, shape.route?.tables ?? 0).map((t) => ({
    table: t,
    eni: world.routeTables.get(t)?.routes.find((r) => r.destinationCidrBlock === `${ids.overlay}/32`)?.networkInterfaceId,
    exists: world.routeTables.get(t)?.routes.some((r) => r.destinationCidrBlock === `${ids.overlay}/32`) ?? false,
  }));
  const attachments = world.volumes.get(ids.volumeId)?.attachments.filter((a) => a.state !== "detached") ?? [];

  if (master) {
    const machine = room.machine(master.letter);
    if (shape.vip && vipEni !== master.networkInterfaceId) wrong(`vip ${ids.vip} is on ${nameOfEni(vipEni)}, wanted on ${wanted}`);
    if (shape.vip && local && !machine.hasLocalAddress(ids.vip)) wrong(`vip ${ids.vip} is not on ${master.name}'s ${master.interface}`);
    if (shape.eip) {
      const privateIp = shape.eip.onVip ? ids.vip : master.address;
      if (eip?.networkInterfaceId !== master.networkInterfaceId || eip.privateIp !== privateIp)
        wrong(
          `eip points at ${eip ? `${eip.privateIp} on ${nameOfEni(eip.networkInterfaceId)}` : "nothing"}, wanted ${privateIp} on ${wanted}`,
          eip ? undefined : { kind: "eip", allocationId: ids.allocationId, publicIp: ids.publicIp },
        );
    }
    for (const r of routes)
      if (r.eni !== master.networkInterfaceId)
        wrong(
          `route to ${ids.overlay} in ${r.table} goes to ${nameOfEni(r.eni)}, wanted ${wanted}`,
          r.exists ? undefined : { kind: "route", routeTableId: r.table, cidr: `${ids.overlay}/32` },
        );
    if (shape.route && local && !machine.hasLocalAddress(ids.overlay))
      wrong(`overlay ${ids.overlay} is not on ${master.name}'s ${master.interface}`);
    if (shape.volume) {
      const mine = attachments.find((a) => a.instanceId === master.instanceId);
      if (attachments.length !== 1 || mine?.state !== "attached")
        wrong(
          `volume is ${attachments.map((a) => `${a.state} to ${nameOfInstance(a.instanceId)}`).join(", ") || "attached nowhere"}, wanted attached to ${wanted}`,
        );
      if (!machine.mountedVolumes().includes(ids.volumeId)) wrong(`volume is not mounted on ${master.name}`);
    }
    if (shape.service && !machine.activeServices().includes(ids.unit)) wrong(`service is not running on ${master.name}`);
  } else {
    if (shape.vip?.release && vipEni && nodes.some((n) => n.networkInterfaceId === vipEni))
      wrong(`vip ${ids.vip} (release: true) is still on ${nameOfEni(vipEni)}, wanted on ${wanted}`);
    if (shape.eip?.release && eip)
      wrong(`eip (release: true) still points at ${eip.privateIp} on ${nameOfEni(eip.networkInterfaceId)}, wanted ${wanted}`);
    for (const r of routes)
      if (shape.route?.release && r.exists)
        wrong(`route to ${ids.overlay} (release: true) in ${r.table} still goes to ${nameOfEni(r.eni)}, wanted ${wanted}`);
    if (shape.volume && attachments.length > 0)
      wrong(`volume is ${attachments.map((a) => `${a.state} to ${nameOfInstance(a.instanceId)}`).join(", ")}, wanted ${wanted}`);
  }

  for (const node of nodes) {
    if (node === master) continue;
    const machine = room.machine(node.letter);
    for (const address of [ids.vip, ids.overlay])
      if (machine.hasLocalAddress(address)) wrong(`${address} is still on ${node.name}'s ${node.interface}, whose newest event releases`);
    if (machine.mountedVolumes().length > 0) wrong(`${node.name} still has ${machine.mountedVolumes().join(", ")} mounted`);
    if (master && attachments.some((a) => a.instanceId === node.instanceId)) wrong(`volume is still attached to ${node.name}`);
    if (machine.activeServices().length > 0) wrong(`${node.name} still runs ${machine.activeServices().join(", ")}`);
  }
  for (const machine of room.all())
    if (machine.runningCommands().length > 0)
      findings.push({
        invariant: "command still running",
        detail: `${machine.node.name} still runs ${machine.runningCommands().join("; ")}`,
      });
  return findings;
}
