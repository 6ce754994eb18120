import type { Imds } from "../cloud/identity";
import { interfaceOn } from "../cluster/node-interfaces";
import type { ClusterNode } from "../cluster/schema";
import { AwsHaError } from "../errors";
import type { Host } from "../host/host-port";

// The Linux interface and the ENI behind it that a vip, eip or route uses on this node. The node's
// first interface is the one the transition already knows (its ENI from the description or IMDS's
// identity): no further request. Another interface must exist here; its ENI is the one the
// description names, else the one IMDS names for the interface's MAC.

/** One interface of this node, as a resource acts on it. */
export interface NodeNic {
  /** The Linux interface that carries the resource's address. */
  name: string;
  networkInterfaceId: string;
}

/** What finding a node's interface reads: this node, its first ENI, its links, IMDS. */
export interface NicScope {
  self: ClusterNode;
  /** The ENI of the node's first interface. */
  networkInterfaceId: string;
  host: Pick<Host, "links">;
  imds?: Pick<Imds, "interfaceIdOf">;
}

/** The interface `name` names on this node (the first when undefined) and its ENI; fails before anything changes. */
export async function nicOf(scope: NicScope, name: string | undefined): Promise<NodeNic> {
  const { self } = scope;
  const listed = interfaceOn(self, name);
  if (!listed)
    throw new AwsHaError("config", `node ${self.name} lists no interface ${name}`, {
      fix: `add { name: ${name} } to nodes[].interfaces of ${self.name} in the cluster description`,
    });
  const { nic, index } = listed;
  if (index === 0) return { name: nic.name, networkInterfaceId: scope.networkInterfaceId };
  const link = (await scope.host.links()).find((l) => l.name === nic.name);
  if (!link)
    throw new AwsHaError("install", `interface ${nic.name} of node ${self.name} does not exist on this machine`, {
      fix: `attach the ENI that ${nic.name} stands for to ${self.name} (ip -br link lists the interfaces here), or correct nodes[].interfaces of ${self.name}`,
    });
  if (nic.networkInterfaceId !== undefined) return { name: nic.name, networkInterfaceId: nic.networkInterfaceId };
  if (!scope.imds)
    throw new AwsHaError("config", `the ENI behind ${nic.name} of node ${self.name} cannot be looked up here`, {
      fix: `set networkInterfaceId for ${nic.name} in nodes[].interfaces of ${self.name}`,
    });
  return { name: nic.name, networkInterfaceId: await scope.imds.interfaceIdOf(link.mac) };
}

// Several resources on one interface ask within one transition: the links are read, and IMDS
// asked, once per transition (one deadline) and interface, not once per resource and step.
const found = new WeakMap<object, Map<string, Promise<NodeNic>>>();

/** nicOf, remembered for as long as `transition` lives (a failed answer is not remembered). */
export function nicDuring(transition: object, scope: NicScope, name: string | undefined): Promise<NodeNic> {
  if (name === undefined || interfaceOn(scope.self, name)?.index === 0) return nicOf(scope, name);
  let known = found.get(transition);
  if (!known) found.set(transition, (known = new Map()));
  const cached = known.get(name);
  if (cached) return cached;
  const finding = nicOf(scope, name);
  known.set(name, finding);
  finding.catch(() => known.delete(name));
  return finding;
}
