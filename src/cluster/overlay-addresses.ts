import { cidrContains, familyOf, sameNetwork } from "./ip-addresses";
import type { ClusterNode } from "./schema";

// An overlay IP is routed by the VPC's route tables to the active node's ENI. EC2 accepts routes to
// addresses that can never work as one, and the mistake shows only after the failover has moved
// the route: addresses the instance answers itself or that never leave it (loopback, link-local
// where the instance metadata service and the Amazon DNS live, "this network"), addresses that
// are not one host (multicast, the reserved block and its broadcast), and addresses inside the
// VPC, which the VPC's local route sends to the subnet instead of the table's route.

const specialIpv4: [network: string, prefix: number, what: string][] = [
  ["0.0.0.0", 8, "in 0.0.0.0/8, which means this host or this network"],
  ["127.0.0.0", 8, "a loopback address (127.0.0.0/8) that never leaves the instance"],
  ["169.254.0.0", 16, "link-local (169.254.0.0/16, where the instance metadata service and the Amazon DNS answer)"],
  ["224.0.0.0", 4, "a multicast address (224.0.0.0/4)"],
  ["240.0.0.0", 4, "in the reserved block 240.0.0.0/4 (with the broadcast address 255.255.255.255)"],
];

const specialIpv6: [network: string, prefix: number, what: string][] = [
  ["::", 128, "the unspecified address (::)"],
  ["::1", 128, "the loopback address (::1) that never leaves the instance"],
  ["::ffff:0:0", 96, "an IPv4-mapped address (::ffff:0:0/96), which is IPv4 on the wire"],
  ["fe80::", 10, "link-local (fe80::/10)"],
  ["fd00:ec2::", 32, "in fd00:ec2::/32, where the instance metadata service and the Amazon DNS answer over IPv6"],
  ["ff00::", 8, "a multicast address (ff00::/8)"],
];

/** A VPC's IPv6 block is a /56 unless it was brought (BYOIP); without vpcIpv6Cidrs that /56 is the guess. */
const assumedVpcIpv6Prefix = 56;

/** Why `address` cannot be an overlay IP, or undefined when it can. */
export function overlayAddressProblem(
  address: string,
  nodes: readonly ClusterNode[],
  vpcCidrs: readonly string[] | undefined,
  vpcIpv6Cidrs?: readonly string[],
): string | undefined {
  const ipv6 = familyOf(address) === "ipv6";
  const special = (ipv6 ? specialIpv6 : specialIpv4).find(([network, prefix]) => sameNetwork(network, address, prefix));
  if (special) return `${address} is ${special[2]}; an overlay IP must be a unicast address outside the VPC CIDR`;
  const cidrs = ipv6 ? vpcIpv6Cidrs : vpcCidrs;
  const field = ipv6 ? "vpcIpv6Cidrs" : "vpcCidrs";
  if (cidrs) {
    const index = cidrs.findIndex((cidr) => cidrContains(cidr, address));
    if (index >= 0)
      return `${address} is inside the VPC CIDR ${cidrs[index]} (${field}[${index}]); an overlay IP must be outside the VPC CIDR`;
    return undefined;
  }
  if (ipv6) {
    const near = nodes.find((n) => n.address6 !== undefined && sameNetwork(n.address6, address, assumedVpcIpv6Prefix));
    if (near)
      return `${address} looks like it is inside the VPC: it is in the /56 around node ${near.name} (${near.address6}), taken as the VPC's IPv6 CIDR because the description gives no vpcIpv6Cidrs; an overlay IP must be outside the VPC CIDR (give vpcIpv6Cidrs if the VPC's block is not that /56)`;
    return undefined;
  }
  const near = nodes.find((n) => sameNetwork(n.address, address, 16));
  if (near)
    return `${address} looks like it is inside the VPC: it is in the /16 around node ${near.name} (${near.address}), taken as the VPC CIDR because the description gives no vpcCidrs; an overlay IP must be outside the VPC CIDR (give vpcCidrs if the VPC is not that /16)`;
  return undefined;
}
