import type { ClusterDescription, ClusterNode } from "./schema";
import { AwsHaError } from "../errors";

/** A node finds itself by its instance id, else by one of its addresses. */
export function findSelf(d: ClusterDescription, instanceId: string, localAddresses: readonly string[]): ClusterNode {
  const byId = d.nodes.find((n) => n.instanceId === instanceId);
  if (byId) return byId;
  const byAddress = d.nodes.find((n) => localAddresses.includes(n.address));
  if (byAddress) return byAddress;
  throw new AwsHaError(
    "config",
    `this instance (${instanceId}, ${localAddresses.join(", ") || "no addresses"}) is not a node of cluster ${d.cluster}`,
    {
      fix: `add it to nodes: in the cluster description, or run on one of ${d.nodes.map((n) => `${n.name} (${n.instanceId})`).join(", ")}`,
    },
  );
}
