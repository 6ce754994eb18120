import { isMutatingCall } from "../../support/ec2-standin/actions";
import type { Ec2Call } from "../../support/ec2-standin/call-log";
import type { WorldSnapshot } from "../../support/ec2-standin/snapshot";
import type { AttachmentStateName, WorldSpec } from "../../support/ec2-standin/world-spec";
import { ids, nodeA, nodeB } from "./cluster-fixture";

// Who holds what, read from the EC2 stand-in's world and named by node, so scenarios assert
// "the VIP is on node-a" rather than on ENI ids and call counts.

const nodes = [nodeA, nodeB];
const nameOf = (instanceId: string | undefined): string => nodes.find((n) => n.instanceId === instanceId)?.name ?? instanceId ?? "nobody";

export const eniOf = (world: Pick<WorldSnapshot, "interfaces"> | WorldSpec, instanceId: string): string => {
  const eni = world.interfaces.find((e) => e.instanceId === instanceId);
  if (!eni) throw new Error(`no interface of ${instanceId} in the world`);
  return eni.networkInterfaceId;
};

export interface CloudHolders {
  vip: string;
  eip: string;
  route: string;
  volume: string;
}

/** For each cloud resource of the fixture, the node (by name) EC2 gives it to now, or "nobody". */
export function cloudHolders(world: WorldSnapshot): CloudHolders {
  const vipEni = world.interfaces.find((e) => e.privateIps.includes(ids.vip));
  const eip = world.addresses.find((a) => a.allocationId === ids.allocationId);
  // The EIP is held only when it points at the VIP; associated with anything else it is not ours.
  const eipHolder = eip?.privateIp === ids.vip ? nameOf(eip.instanceId) : eip?.associationId ? `elsewhere (${eip.privateIp})` : "nobody";
  const route = world.routeTables
    .find((t) => t.routeTableId === ids.routeTable)
    ?.routes.find((r) => r.destinationCidrBlock === `${ids.overlay}/32`);
  const routeEni = world.interfaces.find((e) => e.networkInterfaceId === route?.networkInterfaceId);
  const attachments = volumeAttachments(world);
  return {
    vip: nameOf(vipEni?.instanceId),
    eip: eipHolder,
    route: nameOf(routeEni?.instanceId),
    volume: attachments.length === 0 ? "nobody" : attachments.map((a) => `${nameOf(a.instanceId)} (${a.state})`).join(", "),
  };
}

export function volumeAttachments(world: WorldSnapshot): { instanceId: string; state: AttachmentStateName }[] {
  return world.volumes.find((v) => v.volumeId === ids.volumeId)?.attachments.map(({ instanceId, state }) => ({ instanceId, state })) ?? [];
}

export function instanceState(world: WorldSnapshot, instanceId: string): string | undefined {
  return world.instances.find((i) => i.instanceId === instanceId)?.state;
}

/** Calls that asked EC2 to change something, whatever it answered (the stand-in says which actions mutate). */
export function mutatingCalls(calls: readonly Ec2Call[]): Ec2Call[] {
  return calls.filter(isMutatingCall);
}
