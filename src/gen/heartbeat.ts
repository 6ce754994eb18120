import type { ClusterDescription, EipSpec } from "../cluster/schema";
import { heartbeatSchema } from "../cluster/schema";
import haCfTemplate from "../../templates/ha.cf.eta";
import haresourcesTemplate from "../../templates/haresources.eta";
import authkeysTemplate from "../../templates/authkeys.eta";
import { AwsHaError } from "../errors";
import { nodeNamed, peersOf, preferredNode } from "./node-roles";
import type { ClusterSecrets } from "./secrets";
import { renderTemplate } from "./template-engine";

export interface HeartbeatOptions {
  /** Where the cluster description lives on the nodes; aws-ha-notify is told this path. */
  clusterPath: string;
  secrets: ClusterSecrets;
}

export interface HeartbeatFiles {
  haCf: string;
  haresources: string;
  /** Must be written with mode 0600. */
  authkeys: string;
}

/** The names the scripts must have in resource.d: haresources refers to them by these names. */
export const heartbeatScriptNames = { notify: "aws-ha-notify", updateeip: "aws-ha-updateeip" } as const;

export function renderHeartbeat(d: ClusterDescription, nodeName: string, options: HeartbeatOptions): HeartbeatFiles {
  const h = d.heartbeat ?? heartbeatSchema.parse({});
  const node = nodeNamed(d, nodeName);
  const key = options.secrets.heartbeatAuthKey;
  if (key === undefined) throw new AwsHaError("config", "Heartbeat needs an authkeys key and none was given or generated");
  return {
    haCf: renderTemplate(haCfTemplate, {
      node: node.name,
      cluster: d.cluster,
      keepalive: heartbeatTime(h.keepalive),
      warntime: heartbeatTime(h.warntime),
      deadtime: heartbeatTime(h.deadtime),
      initdead: heartbeatTime(h.initdead),
      udpPort: h.udpPort,
      interface: node.interface,
      peers: peersOf(d, node).map((p) => p.address),
      autoFailback: h.autoFailback,
      nodeNames: d.nodes.map((n) => n.name),
    }),
    haresources: renderTemplate(haresourcesTemplate, {
      cluster: d.cluster,
      haDir: d.paths.haDir,
      line: haresourcesLine(d, options.clusterPath),
    }),
    authkeys: renderTemplate(authkeysTemplate, { cluster: d.cluster, key }),
  };
}

/**
 * One resource group led by the preferred node. A cluster of Elastic IPs alone needs only
 * aws-ha-updateeip, one resource per address; anything else goes through aws-ha-notify, which
 * acquires every resource in order and starts the services last, so they are not listed again.
 */
function haresourcesLine(d: ClusterDescription, clusterPath: string): string {
  if (/\s/.test(clusterPath))
    throw new AwsHaError("usage", `the cluster path ${JSON.stringify(clusterPath)} contains whitespace, which haresources cannot carry`);
  const eips = d.resources.filter((r): r is EipSpec => r.kind === "eip");
  const resources =
    eips.length > 0 && eips.length === d.resources.length
      ? eips.map((e) =>
          [
            heartbeatScriptNames.updateeip,
            ...(e.release ? ["--release"] : []),
            e.allocationId,
            ...(e.privateAddress ? [e.privateAddress] : []),
          ].join("::"),
        )
      : [`${heartbeatScriptNames.notify}::--cluster=${clusterPath}`];
  return [preferredNode(d).name, ...resources].join(" ");
}

/** Heartbeat reads plain numbers as seconds and needs an "ms" suffix for fractions. */
function heartbeatTime(seconds: number): string {
  return Number.isInteger(seconds) ? String(seconds) : `${Math.round(seconds * 1000)}ms`;
}
