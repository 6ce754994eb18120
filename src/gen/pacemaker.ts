import type { ClusterDescription, ResourceKind, ResourceSpec } from "../cluster/schema";
import { AwsHaError } from "../errors";
import { eniLimitSeconds } from "../kinds/eni/spec";
import template from "../../templates/pacemaker.sh.eta";
import { renderTemplate } from "./template-engine";

// Pacemaker runs aws-ha as an OCF agent, one Pacemaker resource per resource of the description,
// collected in one group so that they start in a safe order on one node and stop in reverse.

/** Where Pacemaker finds the agent: /usr/lib/ocf/resource.d/<provider>/<agent>. */
export const ocfAgentPath = "/usr/lib/ocf/resource.d/aws-ha/aws-ha";

// The volume first (a service needs its data), a whole ENI next (addresses and services may use
// it), then the addresses clients use, the EIP after the VIP it points at, hooks, and the services
// last. A rank per kind, so that a new kind cannot be left out unnoticed.
// A DNS record comes after the vip or eip whose address it may hold, before the hooks.
const startOrder: Readonly<Record<ResourceKind, number>> = {
  volume: 0,
  eni: 1,
  vip: 2,
  route: 3,
  eip: 4,
  hook: 5,
  service: 6,
  record: 4.5,
};

/**
 * The stonith agents aws-ha-gen can render: its own (installed as /usr/sbin/fence_aws_ha, Node.js
 * and the EC2 client aws-ha already has) and Debian's fence_aws (Python, boto3).
 */
export const fenceAgents = ["fence_aws_ha", "fence_aws"] as const;
export type FenceAgentName = (typeof fenceAgents)[number];

/** Seconds the highest-priority node's fencing waits, so that it wins a race of mutual fencing. */
export const fenceRaceDelaySeconds = 5;

export interface PacemakerOptions {
  clusterPath: string;
  /** The region the stonith agent talks to; the description's region when omitted. */
  region?: string;
  /** fence_aws_ha unless told otherwise. */
  fenceAgent?: FenceAgentName;
}

export function renderPacemaker(d: ClusterDescription, options: PacemakerOptions): string {
  const region = options.region ?? d.region;
  const fenceAgent = options.fenceAgent ?? "fence_aws_ha";
  if (region === undefined)
    throw new AwsHaError("usage", `${fenceAgent} needs the region and the description names none`, {
      fix: "pass --region R or add region: to the description",
    });
  if (/\s/.test(options.clusterPath))
    throw new AwsHaError("usage", `the cluster path ${JSON.stringify(options.clusterPath)} contains whitespace`);
  const resources = [...d.resources].sort((a, b) => startOrder[a.kind] - startOrder[b.kind]);
  return renderTemplate(template, {
    cluster: d.cluster,
    agentPath: ocfAgentPath,
    clusterPath: options.clusterPath,
    group: `${d.cluster}-group`,
    stonith: {
      name: `${d.cluster}-fence`,
      agent: fenceAgent,
      ours: fenceAgent === "fence_aws_ha",
      region,
      hostMap: d.nodes.map((n) => `${n.name}:${n.instanceId}`).join(";"),
      delayBase: fenceDelays(d),
    },
    resources: resources.map((r) => ({ id: `${d.cluster}-${r.name}`, name: r.name, ...timeoutsFor(d, r) })),
    order: resources.map((r) => r.name).join(" → "),
  });
}

/** Pacemaker kills an action at its timeout: leave room for the longest wait the resource may make. */
function timeoutsFor(d: ClusterDescription, r: ResourceSpec): { startTimeout: number; stopTimeout: number } {
  const t = d.timeouts;
  // A volume or an ENI waits for the peer, may fence it, then attaches (and detaches on stop) within its own limit.
  const attachLimit = r.kind === "volume" ? t.volume : r.kind === "eni" ? eniLimitSeconds(d) : undefined;
  if (attachLimit === undefined) return { startTimeout: t.transition, stopTimeout: t.transition };
  const fencing = d.fencing.enabled ? d.fencing.stopTimeout : 0;
  const start = Math.max(t.transition, d.fencing.peerReleaseTimeout + fencing + 2 * attachLimit);
  return { startTimeout: Math.ceil(start), stopTimeout: Math.ceil(Math.max(t.transition, 2 * attachLimit)) };
}

/**
 * pcmk_delay_base as a node map: fencing the node with the highest priority waits a few seconds,
 * every other node's none. When a two-node cluster splits and each half tries to fence the other,
 * the favourite fences its peer first and survives; with three or more nodes only a partition with
 * quorum fences, and the delay costs a failover of the favourite those seconds only.
 */
function fenceDelays(d: ClusterDescription): string {
  const favourite = d.nodes.reduce((best, n) => (n.priority > best.priority ? n : best), d.nodes[0]!);
  return d.nodes.map((n) => `${n.name}:${n === favourite ? fenceRaceDelaySeconds : 0}s`).join(";");
}
