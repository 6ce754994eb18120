import { z } from "zod";
import { overlayAddressProblem } from "../../cluster/overlay-addresses";
import type { ResourceFragment } from "../../cluster/resource-fragment";
import { missingInterfaceProblems } from "../../cluster/node-interfaces";
import {
  atMost,
  descriptionLimits,
  interfaceName,
  ipAddress,
  releaseFlag,
  resourceName,
  routeTableId,
} from "../../cluster/schema-primitives";
import { assumeRole } from "../../cluster/schema-primitives";

const routeSchema = z.strictObject({
  kind: z.literal("route"),
  name: resourceName,
  /** The overlay IP, outside the VPC's CIDRs; routed as a /32 (IPv4) or a /128 (IPv6). */
  address: ipAddress,
  routeTables: atMost(routeTableId, descriptionLimits.routeTables, "route tables").min(1),
  /** The node interface whose ENI the route targets (and that carries the address); the node's first when omitted. */
  interface: interfaceName.optional(),
  release: releaseFlag,
  /** The role to act as for this resource, instead of the cluster's assumeRole (or the node's own credentials). */
  assumeRole: assumeRole.optional(),
});

export type RouteSpec = z.infer<typeof routeSchema>;

export const routeFragment: ResourceFragment<typeof routeSchema> = {
  schema: routeSchema,
  problems: (d, routes) =>
    routes.flatMap(({ spec, at }) => {
      const problem = overlayAddressProblem(spec.address, d.nodes, d.vpcCidrs, d.vpcIpv6Cidrs);
      return [
        ...(problem ? [{ path: `${at}.address`, message: problem }] : []),
        ...missingInterfaceProblems(d, spec.interface, at, `route ${spec.name}`),
      ];
    }),
};
