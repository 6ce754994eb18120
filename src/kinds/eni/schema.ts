import { z } from "zod";
import { firstDuplicates } from "../../cluster/duplicates";
import type { Placed, ResourceFragment } from "../../cluster/resource-fragment";
import { eniId, resourceName } from "../../cluster/schema-primitives";
import { assumeRole } from "../../cluster/schema-primitives";
import type { ClusterDescription } from "../../cluster/schema";
import type { ConfigProblem } from "../../errors";

const eniSchema = z.strictObject({
  kind: z.literal("eni"),
  name: resourceName,
  /** A secondary ENI: it moves whole, with its addresses, security groups and MAC address. */
  networkInterfaceId: eniId,
  /** Where it is attached on the node; 0 is always the instance's own primary interface. */
  deviceIndex: z
    .number()
    .int()
    .min(1, { error: "must be 1 or more: device index 0 is the instance's own primary interface, which never moves" }),
  /** The name the node's OS gives the interface (ens6, eth1), when known: checked, and used in the log. */
  interface: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,15}$/, { error: "must be a Linux interface name" })
    .optional(),
  /**
   * Detach it on release (while it is still attached here). On by default, unlike the other kinds':
   * an ENI is attached to one instance at a time, so the next master can only wait for it (and fence).
   */
  release: z.boolean().default(true).describe("detach it on release, but only while it is still attached to this node"),
  /** The role to act as for this resource, instead of the cluster's assumeRole (or the node's own credentials). */
  assumeRole: assumeRole.optional(),
});

export type EniSpec = z.infer<typeof eniSchema>;

export const eniFragment: ResourceFragment<typeof eniSchema> = {
  schema: eniSchema,
  problems: (d, enis) => [
    ...primaryProblems(d, enis),
    ...firstDuplicates(enis.map((e) => e.spec.networkInterfaceId)).map((i) => ({
      path: `${enis[i]!.at}.networkInterfaceId`,
      message: `${JSON.stringify(enis[i]!.spec.networkInterfaceId)} appears in two resources; each may be managed once`,
    })),
    // Each is attached to whichever node is master, so two at one index would collide on every node.
    ...firstDuplicates(enis.map((e) => String(e.spec.deviceIndex))).map((i) => ({
      path: `${enis[i]!.at}.deviceIndex`,
      message: `device index ${enis[i]!.spec.deviceIndex} is taken by another eni; give each eni its own`,
    })),
  ],
};

/** A node's own interface never moves: it is the node's primary ENI (or the interface the daemons talk over). */
function primaryProblems(d: ClusterDescription, enis: readonly Placed<EniSpec>[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const { spec, at } of enis) {
    d.nodes.forEach((n, i) => {
      if (n.networkInterfaceId === spec.networkInterfaceId)
        problems.push({
          path: `${at}.networkInterfaceId`,
          message: `${spec.networkInterfaceId} is node ${n.name}'s own interface (nodes[${i}].networkInterfaceId); only a secondary ENI moves`,
        });
      if (spec.interface !== undefined && n.interface === spec.interface)
        problems.push({
          path: `${at}.interface`,
          message: `${spec.interface} is node ${n.name}'s cluster interface (nodes[${i}].interface); name the interface the ENI appears as`,
        });
      // The node's further interfaces stay with it, as its first does: a vip, eip or route uses them.
      n.interfaces.forEach((nic, j) => {
        if (j === 0) return;
        if (nic.networkInterfaceId === spec.networkInterfaceId)
          problems.push({
            path: `${at}.networkInterfaceId`,
            message: `${spec.networkInterfaceId} is node ${n.name}'s own interface ${nic.name} (nodes[${i}].interfaces[${j}].networkInterfaceId); only an ENI no node lists moves`,
          });
        if (spec.interface !== undefined && nic.name === spec.interface)
          problems.push({
            path: `${at}.interface`,
            message: `${spec.interface} is node ${n.name}'s interface (nodes[${i}].interfaces[${j}].name), which stays put; name the interface the moving ENI appears as`,
          });
      });
    });
  }
  return problems;
}
