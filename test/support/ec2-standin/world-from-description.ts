import type { ClusterDescription } from "../../../src/cluster/schema";
import { ipToNumber, numberToIp } from "./ipv4";
import { networkAddress } from "../../../src/cluster/ip-addresses";
import type { SubnetSpec, Timing, WorldSpec } from "./world-spec";

// The EC2 world a cluster description implies, for a lab that has no real AWS account: one AZ,
// a subnet per network the nodes' addresses fall in, each node a running instance with one
// interface carrying its address, the description's Elastic IPs (unassociated), route tables and
// volumes (available). Ids the description leaves out are derived from the instance ids.

export interface DescribedWorldOptions {
  /** Prefix length of the nodes' network (the lab's cluster network). */
  subnetPrefix: number;
  timing?: Partial<Timing>;
}

/** TEST-NET-3 (RFC 5737): public-looking addresses that route nowhere. */
const testNet3 = "203.0.113";

export function worldSpecFromDescription(description: ClusterDescription, options: DescribedWorldOptions): WorldSpec {
  const region = description.region ?? "us-east-1";
  const availabilityZone = `${region}a`;
  const subnets = new Map<string, SubnetSpec>();
  const subnetOf = (address: string): SubnetSpec => {
    const size = 2 ** (32 - options.subnetPrefix);
    const cidr = `${numberToIp(ipToNumber(address) - (ipToNumber(address) % size))}/${options.subnetPrefix}`;
    let subnet = subnets.get(cidr);
    if (!subnet) {
      subnet = { subnetId: `subnet-0${(subnets.size + 1).toString(16).padStart(16, "0")}`, cidr, availabilityZone };
      subnets.set(cidr, subnet);
    }
    return subnet;
  };
  // A node with an IPv6 address puts an IPv6 block (the /64 around it, EC2's only subnet size) on its subnet.
  for (const node of description.nodes)
    if (node.address6 !== undefined) subnetOf(node.address).ipv6Cidr = `${networkAddress(node.address6, 64)}/64`;
  const interfaces = description.nodes.map((node) => ({
    networkInterfaceId: node.networkInterfaceId ?? `eni-${node.instanceId.slice("i-".length)}`,
    subnetId: subnetOf(node.address).subnetId,
    privateIps: [node.address],
    instanceId: node.instanceId,
    ...(node.address6 !== undefined ? { ipv6Addresses: [node.address6] } : {}),
  }));
  // Each further interface a node lists with an address is an ENI attached to it (device index 1,
  // 2, … in list order) in the subnet of that address (an ENI needs a primary address: one listed
  // without is left out); its id, when the description leaves it out, is the instance's with the
  // interface's place in the list in front.
  const furtherInterfaces = description.nodes.flatMap((node) =>
    node.interfaces.slice(1).flatMap((nic, k) =>
      nic.address === undefined
        ? []
        : [
            {
              networkInterfaceId: nic.networkInterfaceId ?? `eni-${(k + 1).toString(16)}${node.instanceId.slice("i-0".length)}`,
              subnetId: subnetOf(nic.address).subnetId,
              privateIps: [nic.address],
              instanceId: node.instanceId,
              ...(nic.address6 !== undefined ? { ipv6Addresses: [nic.address6] } : {}),
            },
          ],
    ),
  );
  // Each whole ENI (kind eni) is an interface of the first node's subnet, unattached, with an
  // address counted down from the top of the subnet (clear of the nodes' and the VIPs').
  const movable = description.resources.flatMap((r) => (r.kind === "eni" ? [r.networkInterfaceId] : []));
  const home = description.nodes[0] && subnetOf(description.nodes[0].address);
  const movableInterfaces = home
    ? movable.map((networkInterfaceId, n) => ({
        networkInterfaceId,
        subnetId: home.subnetId,
        privateIps: [numberToIp(ipToNumber(home.cidr.split("/")[0]!) + 2 ** (32 - options.subnetPrefix) - 2 - n)],
        macAddress: `0e:e0:5a:00:00:${(n + 1).toString(16).padStart(2, "0")}`,
      }))
    : [];
  const eips = description.resources.filter((r) => r.kind === "eip");
  const routeTableIds = [...new Set(description.resources.flatMap((r) => (r.kind === "route" ? r.routeTables : [])))];
  return {
    region,
    subnets: [...subnets.values()],
    instances: description.nodes.map((node) => ({ instanceId: node.instanceId, availabilityZone, state: "running" })),
    interfaces: [...interfaces, ...furtherInterfaces, ...movableInterfaces],
    addresses: eips.map((r, n) => ({ allocationId: r.allocationId, publicIp: r.publicIp ?? `${testNet3}.${10 + n}` })),
    routeTables: routeTableIds.map((routeTableId) => ({ routeTableId })),
    volumes: description.resources.flatMap((r) => (r.kind === "volume" ? [{ volumeId: r.volumeId, availabilityZone, size: 1 }] : [])),
    ...(options.timing ? { timing: options.timing } : {}),
  };
}
