import { AwsHaError } from "../errors";
import { instanceIdPattern, type HostMapEntry } from "./host-map";

// Which instance a fence request is about. Pacemaker passes the instance itself (plug, translated
// through pcmk_host_map) or the node's name; the agent's own map (host_map, or the nodes of the
// cluster description) turns a name into an instance. When the agent knows the cluster's nodes it
// fences only those: a typo in a plug must not stop some other instance of the account.

export interface FenceTarget {
  instanceId: string;
  /** The node's name, when the map names the instance. */
  node?: string;
}

export class FenceTargets {
  constructor(
    /** Node → instance; empty when the agent was given no map and no description. */
    readonly entries: readonly HostMapEntry[],
  ) {}

  /** The instance for a plug (an instance id or a node name) or, without one, for Pacemaker's nodename. */
  resolve(plug: string | undefined, nodename: string | undefined): FenceTarget {
    const name = plug ?? nodename;
    if (name === undefined)
      throw new AwsHaError("usage", "no plug given: which instance is to be fenced?", {
        fix: "pass plug=i-… (or a node name with host_map or description) on stdin, or --plug on the command line",
      });
    const byNode = this.entries.find((e) => e.node === name);
    if (byNode) return byNode;
    const byInstance = this.entries.find((e) => e.instanceId === name);
    if (byInstance) return byInstance;
    if (this.entries.length > 0)
      throw new AwsHaError("usage", `${name} is none of the cluster's nodes (${this.entries.map((e) => e.node).join(", ")})`, {
        fix: "pass a node name or instance id of the map, or correct host_map or the description",
      });
    if (instanceIdPattern.test(name)) return { instanceId: name };
    throw new AwsHaError("usage", `${name} is no instance id, and there is no map to find it in`, {
      fix: "pass plug=i-…, or give host_map=node:i-…;… or description=/etc/aws-ha/cluster.yaml",
    });
  }
}
