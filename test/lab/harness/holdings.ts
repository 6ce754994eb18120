import type { EipSpec, VipSpec, VolumeSpec } from "../../../src/cluster/schema";
import { eipAssociation, interfaceIps, type WorldState } from "./cloud-control";
import type { Lab } from "./lab";
import type { LabNode } from "./lab-node";
import { waitFor } from "./wait";

// Who holds what, judged the way an operator would check it: EC2's view from the stand-in and the
// node's own view (addresses on the interface, mounts in the node's mount namespace). A resource
// counts as held by a node only when both agree.

export interface NodeHoldings {
  node: string;
  /** Resource names held in full by this node. */
  held: string[];
  /** Resource names of which this node has some part (a local address, a mount, an attachment). */
  touched: string[];
}

export interface Observation {
  world: WorldState;
  nodes: NodeHoldings[];
}

export async function observe(lab: Lab): Promise<Observation> {
  const world = await lab.ec2.control.state();
  const nodes: NodeHoldings[] = [];
  for (const node of lab.nodes) {
    const local = node.machine.poweredOn ? await lab.addressesOf(node) : [];
    const eni = node.member.networkInterfaceId!;
    const held: string[] = [];
    const touched: string[] = [];
    for (const r of lab.description.resources) {
      let parts: boolean[] = [];
      if (r.kind === "vip") parts = vipParts(r, world, eni, local);
      else if (r.kind === "eip") parts = eipParts(r, world, eni, node);
      else if (r.kind === "volume") parts = volumeParts(r, world, node);
      if (parts.length === 0) continue;
      if (parts.every(Boolean)) held.push(r.name);
      if (parts.some(Boolean)) touched.push(r.name);
    }
    nodes.push({ node: node.name, held, touched });
  }
  return { world, nodes };
}

function vipParts(r: VipSpec, world: WorldState, eni: string, local: string[]): boolean[] {
  return [interfaceIps(world, eni).includes(r.address), local.includes(r.address)];
}

function eipParts(r: EipSpec, world: WorldState, eni: string, node: LabNode): boolean[] {
  const association = eipAssociation(world, r.allocationId);
  const wanted = r.privateAddress ?? node.member.address;
  return [association?.networkInterfaceId === eni && association.privateIp === wanted];
}

function volumeParts(r: VolumeSpec, world: WorldState, node: LabNode): boolean[] {
  const attachment = world.volumes.find((v) => v.volumeId === r.volumeId)?.attachments.find((a) => a.instanceId === node.instanceId);
  return [attachment?.state === "attached", node.machine.mountAt(r.mountPoint) !== undefined];
}

/** The node holding every resource while no other node has any part of one, if there is such a node. */
export function soleHolder(lab: Lab, o: Observation): string | undefined {
  const all = lab.description.resources.filter((r) => r.kind === "vip" || r.kind === "eip" || r.kind === "volume").map((r) => r.name);
  const full = o.nodes.filter((n) => all.every((name) => n.held.includes(name)));
  if (full.length !== 1) return undefined;
  const others = o.nodes.filter((n) => n.node !== full[0]!.node && n.touched.length > 0);
  return others.length === 0 ? full[0]!.node : undefined;
}

export function describeObservation(o: Observation): string {
  return o.nodes.map((n) => `${n.node}: holds [${n.held.join(", ")}] touches [${n.touched.join(", ")}]`).join("; ");
}

/** Waits until exactly `node` holds everything; returns when it was first seen. */
export async function waitForSoleHolder(lab: Lab, node: LabNode | undefined, timeoutMs: number): Promise<{ holder: string; at: number }> {
  let last: Observation | undefined;
  try {
    return await waitFor(
      async () => {
        last = await observe(lab);
        const holder = soleHolder(lab, last);
        return holder !== undefined && (node === undefined || holder === node.name) ? { holder, at: Date.now() } : undefined;
      },
      { what: node ? `${node.name} to hold every resource alone` : "one node to hold every resource alone", timeoutMs, intervalMs: 100 },
    );
  } catch (e) {
    throw new Error(
      `${(e as Error).message}; last seen: ${last ? describeObservation(last) : "nothing"}${lab.problems.length ? `; lab problems: ${lab.problems.join(" | ")}` : ""}`,
    );
  }
}
