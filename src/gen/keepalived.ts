import { posix } from "node:path";
import { bitsOf, familyOf } from "../cluster/ip-addresses";
import { interfaceOn } from "../cluster/node-interfaces";
import type { ClusterDescription } from "../cluster/schema";
import { vipPrefix } from "../kinds/vip/spec";
import template from "../../templates/keepalived.conf.eta";
import { AwsHaError } from "../errors";
import { nodeNamed, peersOf, preferredNode } from "./node-roles";
import { residentNode } from "./resident-node";
import { scriptLine } from "./script-line";
import type { ClusterSecrets } from "./secrets";
import { renderTemplate } from "./template-engine";

export interface KeepalivedOptions {
  /** Where the cluster description lives on the nodes; aws-ha-notify is told this path. */
  clusterPath: string;
  secrets: ClusterSecrets;
}

/** The unicast keepalived.conf of one node, with its notify hooks wired to aws-ha-notify. */
export function renderKeepalivedConf(d: ClusterDescription, nodeName: string, options: KeepalivedOptions): string {
  const k = d.keepalived;
  if (!k)
    throw new AwsHaError("config", `cluster ${d.cluster} has no keepalived section`, {
      fix: "add keepalived: { virtualRouterId: N } to the description",
    });
  const node = nodeNamed(d, nodeName);
  const notify = (...words: string[]) => scriptLine([d.paths.notify, ...words, "--cluster", options.clusterPath]);
  const authPass = k.vrrpVersion === 2 ? options.secrets.vrrpAuthPass : undefined;
  if (k.vrrpVersion === 2 && authPass === undefined)
    throw new AwsHaError("config", "VRRPv2 needs an auth_pass and none was given or generated");

  // With nopreempt every node must start BACKUP (keepalived clears nopreempt otherwise); with
  // preemption the preferred node may start MASTER and skip one election.
  const state = k.preempt && preferredNode(d).name === node.name ? "MASTER" : "BACKUP";
  // An overlay IP is routed to the master's ENI by the route table; the master must also own it
  // locally to answer. Each address goes on the node interface its resource names (the VRRP
  // instance's own interface when it names none).
  const dev = (name: string | undefined) => interfaceOn(node, name)?.nic.name ?? node.interface;
  const addresses = d.resources.flatMap((r) => {
    if (r.kind === "vip") return [{ address: r.address, line: `${r.address}/${vipPrefix(r)} dev ${dev(r.interface)}` }];
    if (r.kind === "route")
      return [{ address: r.address, line: `${r.address}/${bitsOf(familyOf(r.address) ?? "ipv4")} dev ${dev(r.interface)}` }];
    return [];
  });
  // The adverts go over the nodes' IPv4 addresses, so the instance is IPv4 and keepalived ignores an
  // IPv6 address in virtual_ipaddress ("address family must match VRRP instance"). IPv6 addresses go
  // in virtual_ipaddress_excluded: added and removed with the state, never put in an advert.
  const ofFamily = (family: "ipv4" | "ipv6") => addresses.filter((a) => familyOf(a.address) === family).map((a) => a.line);
  const hc = k.healthCheck;

  return renderTemplate(template, {
    node: node.name,
    cluster: d.cluster,
    routerId: node.name,
    scriptUser: k.scriptUser,
    fifo: k.notifyFifo
      ? { path: fifoPath(d), script: scriptLine([...residentNode, d.paths.notify, "fifo", "--cluster", options.clusterPath]) }
      : undefined,
    healthCheck: hc && {
      name: `chk_${d.cluster}`,
      script: scriptLine(hc.command),
      interval: hc.interval,
      timeout: hc.timeout,
      fall: hc.fall,
      rise: hc.rise,
      weight: hc.weight,
    },
    instance: `VI_${d.cluster}`,
    state,
    nopreempt: !k.preempt,
    interface: node.interface,
    virtualRouterId: k.virtualRouterId,
    priority: node.priority,
    advertInterval: k.advertInterval,
    version3: k.vrrpVersion === 3,
    authPass,
    unicastSrcIp: node.address,
    peers: peersOf(d, node).map((p) => p.address),
    virtualAddresses: ofFamily("ipv4"),
    excludedAddresses: ofFamily("ipv6"),
    notifyHooks: k.notifyFifo
      ? []
      : (["master", "backup", "fault", "stop"] as const).map((state) => ({ directive: `notify_${state}`, script: notify(state) })),
  });
}

/**
 * keepalived makes the FIFO but not its directory, and at boot runDir does not exist yet (the first
 * aws-ha run creates it): the FIFO goes next to runDir, in the directory that does (/run).
 */
function fifoPath(d: ClusterDescription): string {
  return posix.join(posix.dirname(d.paths.runDir), `${posix.basename(d.paths.runDir)}-${d.cluster}.fifo`);
}
