import type { ClusterDescription, ClusterNode } from "../cluster/schema";
import { usageError } from "../errors";

// Who is who in a cluster, as the renderers need it: the node a file is for, its peers, and the
// node the daemons prefer (the highest priority wins a VRRP election and leads haresources).

export function nodeNamed(d: ClusterDescription, name: string): ClusterNode {
  const node = d.nodes.find((n) => n.name === name);
  if (!node)
    throw usageError(
      `node ${JSON.stringify(name)} is not in cluster ${d.cluster}; its nodes are: ${d.nodes.map((n) => n.name).join(", ")}`,
    );
  return node;
}

export function peersOf(d: ClusterDescription, node: ClusterNode): ClusterNode[] {
  return d.nodes.filter((n) => n.name !== node.name);
}

export function preferredNode(d: ClusterDescription): ClusterNode {
  return d.nodes.reduce((best, n) => (n.priority > best.priority ? n : best));
}

/** keepalived's config is rendered when it drives the cluster or when the operator described it anyway. */
export function wantsKeepalived(d: ClusterDescription): boolean {
  return d.manager === "keepalived" || d.keepalived !== undefined;
}

export function wantsHeartbeat(d: ClusterDescription): boolean {
  return d.manager === "heartbeat" || d.heartbeat !== undefined;
}
