import type { ConfigProblem } from "../errors";
import type { ClusterDescription, ClusterNode, NodeInterface } from "./schema";

// Which of a node's interfaces a vip, eip or route uses: the one it names, else the node's first.

/** The interface `name` names on `node` (the first when undefined), with its place in nodes[].interfaces. */
export function interfaceOn(node: ClusterNode, name: string | undefined): { nic: NodeInterface; index: number } | undefined {
  if (name === undefined) return { nic: node.interfaces[0]!, index: 0 };
  const index = node.interfaces.findIndex((i) => i.name === name);
  return index < 0 ? undefined : { nic: node.interfaces[index]!, index };
}

/** Where a field of a node's interface is written: on the node itself for the first, in interfaces[] for the others. */
export function interfaceFieldPath(nodeIndex: number, interfaceIndex: number, field: "address" | "address6"): string {
  return interfaceIndex === 0 ? `nodes[${nodeIndex}].${field}` : `nodes[${nodeIndex}].interfaces[${interfaceIndex}].${field}`;
}

/** A resource at `at` naming an interface that some node does not list: one problem naming those nodes. */
export function missingInterfaceProblems(d: ClusterDescription, name: string | undefined, at: string, what: string): ConfigProblem[] {
  if (name === undefined) return [];
  const lacking = d.nodes.flatMap((n, i) => (interfaceOn(n, name) ? [] : [{ n, i }]));
  if (lacking.length === 0) return [];
  const who = lacking.length === 1 ? `node ${lacking[0]!.n.name} has` : `nodes ${lacking.map(({ n }) => n.name).join(", ")} have`;
  const where = lacking.map(({ i }) => `nodes[${i}].interfaces`).join(", ");
  return [
    {
      path: `${at}.interface`,
      message: `${who} no interface ${name}, which ${what} uses: list it in ${where} (interfaces: [{ name: ${lacking[0]!.n.interface} }, { name: ${name}, address: … }]) or name one every node has`,
    },
  ];
}
