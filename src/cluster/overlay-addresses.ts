import { sameSubnet } from "./ipv4";
import type { ClusterNode } from "./schema";

// An overlay IP is routed by the VPC's route tables to the active node's ENI. EC2 accepts routes to
// addresses that can never work as one, and the mistake shows only after the failover has moved
// the route: addresses the instance answers itself or that never leave it (loopback, link-local
// where the instance metadata service and the Amazon DNS live, "this network"), addresses that
// are not one host (multicast, the reserved block and its broadcast), and addresses inside the
// VPC, which the VPC's local route sends to the subnet instead of the table's route.

const specialBlocks: [network: string, prefix: number, what: string][] = [
  ["0.0.0.0", 8, "in 0.0.0.0/8, which means this host or this network"],
  ["127.0.0.0", 8, "a loopback address (127.0.0.0/8) that never leaves the instance"],
  ["169.254.0.0", 16, "link-local (169.254.0.0/16, where the instance metadata service and the Amazon DNS answer)"],
  ["224.0.0.0", 4, "a multicast address (224.0.0.0/4)"],
  ["240.0.0.0", 4, "in the reserved block 240.0.0.0/4 (with the broadcast address 255.255.255.255)"],
];

/** Why `address` cannot be an overlay IP, or undefined when it can. */
export function overlayAddressProblem(
  address: string,
  nodes: readonly ClusterNode[],
  vpcCidrs: readonly string[] | undefined,
): string | undefined {
  const special = specialBlocks.find(([network, prefix]) => sameSubnet(address, network, prefix));
  if (special) return `${address} is ${special[2]}; an overlay IP must be a unicast address outside the VPC CIDR`;
  if (vpcCidrs) {
    const index = vpcCidrs.findIndex((cidr) => {
      const [network, prefix] = cidr.split("/");
      return sameSubnet(address, network!, Number(prefix));
    });
    if (index >= 0)
      return `${address} is inside the VPC CIDR ${vpcCidrs[index]} (vpcCidrs[${index}]); an overlay IP must be outside the VPC CIDR`;
    return undefined;
  }
  const near = nodes.find((n) => sameSubnet(n.address, address, 16));
  if (near)
    return `${address} looks like it is inside the VPC: it is in the /16 around node ${near.name} (${near.address}), taken as the VPC CIDR because the description gives no vpcCidrs; an overlay IP must be outside the VPC CIDR (give vpcCidrs if the VPC is not that /16)`;
  return undefined;
}
