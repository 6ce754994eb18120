import { hostname } from "node:os";
import type { ClusterDescription, ClusterNode } from "../cluster/schema";
import type { Identity } from "../cloud/identity";

/**
 * What moving Elastic IPs named on the command line needs when no cluster description exists
 * (Heartbeat's narrow use of aws-ha-updateeip): this instance as IMDS names it, and the defaults
 * every description starts from (timeouts; the run directory, where the lock named after the
 * command keeps two of its actions from crossing). It names no nodes and no resources: the caller
 * hands the addresses in as the ports' resources.
 */
export interface WithoutDescription {
  settings: ClusterDescription;
  /** This instance, found by IMDS rather than in a list of nodes. */
  selfFrom: (identity: Identity) => ClusterNode;
}

/** The settings made here, told apart from a description read from a file. */
const madeHere = new WeakSet<ClusterDescription>();

/** Whether `description` is the stand-in made here rather than a file's (no history is kept for it). */
export function isWithoutDescription(description: ClusterDescription): boolean {
  return madeHere.has(description);
}

export async function withoutDescription(lockName: string, privateIp: string | undefined): Promise<WithoutDescription> {
  // The schema knows the defaults; it is loaded here only, so that a description's run never builds it.
  const { fencingSchema, pathsSchema, timeoutsSchema } = await import("../cluster/schema");
  const settings: ClusterDescription = {
    cluster: lockName,
    manager: "heartbeat",
    nodes: [],
    resources: [],
    fencing: fencingSchema.parse({}),
    timeouts: timeoutsSchema.parse({}),
    paths: pathsSchema.parse({}),
  };
  madeHere.add(settings);
  return {
    settings,
    selfFrom: (identity) => {
      const address = privateIp ?? identity.localIpv4s[0]!;
      return {
        name: hostname(),
        address,
        instanceId: identity.instanceId,
        interface: "eth0",
        priority: 1,
        interfaces: [{ name: "eth0", address }],
      };
    },
  };
}
