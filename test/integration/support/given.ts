import type { WorldSpec } from "../../support/ec2-standin/world-spec";
import { ids } from "./cluster-fixture";
import { eniOf } from "./world-view";

// Starting positions written straight into the world the stand-in is seeded with: "given node B
// holds the VIP", "given the volume is attached to B and B's OS never lets go of it".

export interface Holder {
  instanceId: string;
}

export const given = {
  vipOn(spec: WorldSpec, node: Holder): void {
    const eni = spec.interfaces.find((e) => e.instanceId === node.instanceId)!;
    eni.privateIps.push(ids.vip);
  },

  /** Associated with the VIP's address on the node's ENI (the VIP must be there too). */
  eipOn(spec: WorldSpec, node: Holder): void {
    const address = spec.addresses!.find((a) => a.allocationId === ids.allocationId)!;
    address.networkInterfaceId = eniOf(spec, node.instanceId);
    address.privateIp = ids.vip;
  },

  routeTo(spec: WorldSpec, node: Holder): void {
    const table = spec.routeTables!.find((t) => t.routeTableId === ids.routeTable)!;
    table.routes = [{ destinationCidrBlock: `${ids.overlay}/32`, networkInterfaceId: eniOf(spec, node.instanceId) }];
  },

  /** `stuckUntilForce`: the node's OS keeps using the disk, so only a forced detach frees it while it runs. */
  volumeAttachedTo(spec: WorldSpec, node: Holder, options: { stuckUntilForce?: boolean } = {}): void {
    const volume = spec.volumes!.find((v) => v.volumeId === ids.volumeId)!;
    volume.attachments = [{ instanceId: node.instanceId, device: ids.device }];
    volume.stuckUntilForce = options.stuckUntilForce ?? false;
  },

  /** An Elastic IP of the account that the description does not name, associated with nothing. */
  otherEip(spec: WorldSpec): void {
    spec.addresses!.push({ allocationId: ids.otherAllocationId, publicIp: ids.otherPublicIp });
  },

  /** A second private address on the node's ENI that no resource names. */
  secondaryAddressOn(spec: WorldSpec, node: Holder): void {
    spec.interfaces.find((e) => e.instanceId === node.instanceId)!.privateIps.push(ids.secondaryAddress);
  },

  /** VIP, EIP and route on the node. */
  cloudOn(spec: WorldSpec, node: Holder): void {
    given.vipOn(spec, node);
    given.eipOn(spec, node);
    given.routeTo(spec, node);
  },
};
