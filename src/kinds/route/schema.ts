import { z } from "zod";
import { overlayAddressProblem } from "../../cluster/overlay-addresses";
import type { ResourceFragment } from "../../cluster/resource-fragment";
import { atMost, descriptionLimits, ipv4, releaseFlag, resourceName, routeTableId } from "../../cluster/schema-primitives";

const routeSchema = z.strictObject({
  kind: z.literal("route"),
  name: resourceName,
  /** The overlay IP, outside the VPC CIDR; routed as a /32. */
  address: ipv4,
  routeTables: atMost(routeTableId, descriptionLimits.routeTables, "route tables").min(1),
  release: releaseFlag,
});

export type RouteSpec = z.infer<typeof routeSchema>;

export const routeFragment: ResourceFragment<typeof routeSchema> = {
  schema: routeSchema,
  problems: (d, routes) =>
    routes.flatMap(({ spec, at }) => {
      const problem = overlayAddressProblem(spec.address, d.nodes, d.vpcCidrs);
      return problem ? [{ path: `${at}.address`, message: problem }] : [];
    }),
};
