import { z } from "zod";
import { bitsOf, familyOf, sameNetwork } from "../../cluster/ip-addresses";
import type { ResourceFragment } from "../../cluster/resource-fragment";
import { interfaceFieldPath, interfaceOn, missingInterfaceProblems } from "../../cluster/node-interfaces";
import { interfaceName, ipAddress, releaseFlag, resourceName } from "../../cluster/schema-primitives";
import { assumeRole } from "../../cluster/schema-primitives";
import { vipPrefix } from "./spec";

const vipSchema = z.strictObject({
  kind: z.literal("vip"),
  name: resourceName,
  /** A secondary private IPv4 or an IPv6 address of the nodes' subnet. */
  address: ipAddress,
  /** The subnet's prefix length: /24 for IPv4 and /64 (the only size of an EC2 IPv6 subnet) for IPv6 when omitted. */
  prefix: z.number().int().min(1).max(128).optional(),
  /** The node interface it goes on (one each node lists in nodes[].interfaces); the node's first when omitted. */
  interface: interfaceName.optional(),
  release: releaseFlag,
  /** The role to act as for this resource, instead of the cluster's assumeRole (or the node's own credentials). */
  assumeRole: assumeRole.optional(),
});

export type VipSpec = z.infer<typeof vipSchema>;

export const vipFragment: ResourceFragment<typeof vipSchema> = {
  schema: vipSchema,
  problems: (d, vips) =>
    vips.flatMap(({ spec, at }) => {
      const family = familyOf(spec.address) ?? "ipv4";
      const prefix = vipPrefix(spec);
      if (prefix > bitsOf(family))
        return [
          {
            path: `${at}.prefix`,
            message: `${prefix} is longer than an ${family === "ipv4" ? "IPv4" : "IPv6"} address (at most ${bitsOf(family)})`,
          },
        ];
      const missing = missingInterfaceProblems(d, spec.interface, at, `vip ${spec.name}`);
      if (missing.length > 0) return missing;
      return d.nodes.flatMap((n, i) => {
        const { nic, index } = interfaceOn(n, spec.interface)!;
        const own = family === "ipv4" ? nic.address : nic.address6;
        const on = index === 0 ? "" : ` on ${nic.name}`;
        if (own === undefined && family === "ipv4")
          return [
            {
              path: interfaceFieldPath(i, index, "address"),
              message: `node ${n.name}'s interface ${nic.name} has no address, but vip ${spec.name} (${at}) is on it: give the interface's own private IPv4 in ${spec.address}/${prefix}`,
            },
          ];
        if (own === undefined)
          return [
            {
              path: interfaceFieldPath(i, index, "address6"),
              message: `node ${n.name} has no IPv6 address${on}, but vip ${spec.name} (${at}) is ${spec.address}: give each node its own IPv6 address${on} in ${spec.address}/${prefix} (its subnet needs an IPv6 CIDR)`,
            },
          ];
        if (sameNetwork(own, spec.address, prefix)) return [];
        return [
          {
            path: `${at}.address`,
            message: `${spec.address}/${prefix} is not in the subnet of node ${n.name}${on} (${own}); a secondary private IP can only move between ENIs of one subnet (use a route resource across subnets)`,
          },
        ];
      });
    }),
};
