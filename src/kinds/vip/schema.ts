import { z } from "zod";
import { sameSubnet } from "../../cluster/ipv4";
import type { ResourceFragment } from "../../cluster/resource-fragment";
import { ipv4, releaseFlag, resourceName } from "../../cluster/schema-primitives";

const vipSchema = z.strictObject({
  kind: z.literal("vip"),
  name: resourceName,
  address: ipv4,
  prefix: z.number().int().min(1).max(32).default(24),
  release: releaseFlag,
});

export type VipSpec = z.infer<typeof vipSchema>;

export const vipFragment: ResourceFragment<typeof vipSchema> = {
  schema: vipSchema,
  problems: (d, vips) =>
    vips.flatMap(({ spec, at }) =>
      d.nodes
        .filter((n) => !sameSubnet(n.address, spec.address, spec.prefix))
        .map((n) => ({
          path: `${at}.address`,
          message: `${spec.address}/${spec.prefix} is not in the subnet of node ${n.name} (${n.address}); a secondary private IP can only move between ENIs of one subnet (use a route resource across subnets)`,
        })),
    ),
};
