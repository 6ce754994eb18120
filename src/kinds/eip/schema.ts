import { z } from "zod";
import { firstDuplicates } from "../../cluster/duplicates";
import type { ResourceFragment } from "../../cluster/resource-fragment";
import { interfaceFieldPath, interfaceOn, missingInterfaceProblems } from "../../cluster/node-interfaces";
import { allocationId, interfaceName, ipv4, releaseFlag, resourceName } from "../../cluster/schema-primitives";
import { assumeRole } from "../../cluster/schema-primitives";
import type { ConfigProblem } from "../../errors";

const eipSchema = z.strictObject({
  kind: z.literal("eip"),
  name: resourceName,
  allocationId,
  publicIp: ipv4.optional(),
  /** The private address the EIP points at: a declared VIP, or omitted for each node's own address. */
  privateAddress: ipv4.optional(),
  /**
   * The node interface whose ENI it is associated with; the node's first when omitted. Without
   * privateAddress it points at that interface's own address on each node.
   */
  interface: interfaceName.optional(),
  release: releaseFlag,
  /** The role to act as for this resource, instead of the cluster's assumeRole (or the node's own credentials). */
  assumeRole: assumeRole.optional(),
});

export type EipSpec = z.infer<typeof eipSchema>;

export const eipFragment: ResourceFragment<typeof eipSchema> = {
  schema: eipSchema,
  problems(d, eips) {
    const problems: ConfigProblem[] = [];
    // An EIP follows a VIP (EC2 moves it with the secondary address) or sits on each node's own address.
    const vips = new Map(d.resources.flatMap((r) => (r.kind === "vip" ? [[r.address, r] as const] : [])));
    const nodeAddresses = new Set(d.nodes.flatMap((n) => n.interfaces.flatMap((nic) => (nic.address === undefined ? [] : [nic.address]))));
    for (const { spec, at } of eips) {
      const missing = missingInterfaceProblems(d, spec.interface, at, `eip ${spec.name}`);
      problems.push(...missing);
      if (spec.privateAddress && !vips.has(spec.privateAddress) && !nodeAddresses.has(spec.privateAddress))
        problems.push({
          path: `${at}.privateAddress`,
          message: `${spec.privateAddress} is neither a declared vip nor a node address; point the EIP at one of: ${[...vips.keys(), ...nodeAddresses].join(", ")}`,
        });
      // AssociateAddress names the ENI and the private address: the VIP's address is on the VIP's interface only.
      const vip = spec.privateAddress === undefined ? undefined : vips.get(spec.privateAddress);
      const elsewhere = vip && d.nodes.find((n) => interfaceOn(n, vip.interface)?.nic.name !== interfaceOn(n, spec.interface)?.nic.name);
      if (vip && elsewhere && missing.length === 0)
        problems.push({
          path: `${at}.interface`,
          message: `${spec.name} points at vip ${vip.name}, which is on ${interfaceOn(elsewhere, vip.interface)?.nic.name ?? vip.interface} on node ${elsewhere.name}: give the eip the vip's interface`,
        });
      if (spec.privateAddress === undefined && missing.length === 0)
        d.nodes.forEach((n, i) => {
          const { nic, index } = interfaceOn(n, spec.interface)!;
          if (nic.address === undefined)
            problems.push({
              path: interfaceFieldPath(i, index, "address"),
              message: `node ${n.name}'s interface ${nic.name} has no address, but eip ${spec.name} (${at}) points at it: give the interface's own private IPv4, or the eip a privateAddress`,
            });
        });
    }
    // EC2 keeps one Elastic IP per private address: a second association pushes the first one off.
    const collided = new Set<string>();
    for (const n of d.nodes) {
      const pointedAt = new Map<string, string>();
      for (const { spec, at } of eips) {
        const target = spec.privateAddress ?? interfaceOn(n, spec.interface)?.nic.address;
        if (target === undefined) continue;
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
