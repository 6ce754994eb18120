import { z } from "zod";
import { firstDuplicates } from "../../cluster/duplicates";
import type { ResourceFragment } from "../../cluster/resource-fragment";
import { allocationId, ipv4, releaseFlag, resourceName } from "../../cluster/schema-primitives";
import type { ConfigProblem } from "../../errors";

const eipSchema = z.strictObject({
  kind: z.literal("eip"),
  name: resourceName,
  allocationId,
  publicIp: ipv4.optional(),
  /** The private address the EIP points at: a declared VIP, or omitted for each node's own address. */
  privateAddress: ipv4.optional(),
  release: releaseFlag,
});

export type EipSpec = z.infer<typeof eipSchema>;

export const eipFragment: ResourceFragment<typeof eipSchema> = {
  schema: eipSchema,
  problems(d, eips) {
    const problems: ConfigProblem[] = [];
    // An EIP follows a VIP (EC2 moves it with the secondary address) or sits on each node's own address.
    const vipAddresses = new Set(d.resources.flatMap((r) => (r.kind === "vip" ? [r.address] : [])));
    const nodeAddresses = new Set(d.nodes.map((n) => n.address));
    for (const { spec, at } of eips)
      if (spec.privateAddress && !vipAddresses.has(spec.privateAddress) && !nodeAddresses.has(spec.privateAddress))
        problems.push({
          path: `${at}.privateAddress`,
          message: `${spec.privateAddress} is neither a declared vip nor a node address; point the EIP at one of: ${[...vipAddresses, ...nodeAddresses].join(", ")}`,
        });
    // EC2 keeps one Elastic IP per private address: a second association pushes the first one off.
    const collided = new Set<string>();
    for (const n of d.nodes) {
      const pointedAt = new Map<string, string>();
      for (const { spec, at } of eips) {
        const target = spec.privateAddress ?? n.address;
        const other = pointedAt.get(target);
        if (other !== undefined && !collided.has(at)) {
          collided.add(at);
          problems.push({
            path: `${at}.privateAddress`,
            message: `${spec.name} and ${other} would both point at ${target} on node ${n.name}, and EC2 keeps one Elastic IP per private address; point one of them at a vip's address`,
          });
        } else pointedAt.set(target, spec.name);
      }
    }
    for (const i of firstDuplicates(eips.map((e) => e.spec.allocationId)))
      problems.push({
        path: `${eips[i]!.at}.allocationId`,
        message: `${JSON.stringify(eips[i]!.spec.allocationId)} appears in two resources; each may be managed once`,
      });
    return problems;
  },
};
