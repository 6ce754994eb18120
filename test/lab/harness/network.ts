import { runOk, runSync } from "./commands";
import type { Teardown } from "./teardown";

// The lab's networks, all inside namespaces the lab creates. A hub namespace holds two bridges:
// "cluster" (VRRP and Heartbeat unicast between the nodes) and "cloud" (where the EC2 stand-in
// listens). Every node namespace has one veth into each, so cutting a node's cluster port partitions
// VRRP while EC2 stays reachable, as when a VPC loses the path between two instances.

export interface NetworkPlan {
  /** Short and unique per run: it goes into namespace names. */
  runId: string;
  /** Cluster network prefix length, e.g. 24 for 10.231.1.0/24. */
  clusterPrefix: number;
  /** The hub's address on the cloud bridge (the EC2 stand-in listens here). */
  cloudGateway: string;
  cloudPrefix: number;
}

export interface NodeLinks {
  name: string;
  /** The interface the description names for the node (VIPs and unicast VRRP live here). */
  clusterInterface: string;
  clusterAddress: string;
  cloudInterface: string;
  cloudAddress: string;
}

const clusterBridge = "br-cluster";
const cloudBridge = "br-cloud";

export class LabNetwork {
  readonly hub: string;
  private readonly nodes = new Map<string, NodeLinks>();

  constructor(
    readonly plan: NetworkPlan,
    private readonly teardown: Teardown,
  ) {
    this.hub = `awsha-${plan.runId}-hub`;
  }

  namespaceOf(node: string): string {
    return `awsha-${this.plan.runId}-${node}`;
  }

  async createHub(): Promise<void> {
    await this.addNamespace(this.hub);
    const ip = ["ip", "-n", this.hub];
    await runOk([...ip, "link", "set", "lo", "up"]);
    for (const bridge of [clusterBridge, cloudBridge]) {
      await runOk([...ip, "link", "add", bridge, "type", "bridge"]);
      await runOk([...ip, "link", "set", bridge, "up"]);
    }
    await runOk([...ip, "addr", "add", `${this.plan.cloudGateway}/${this.plan.cloudPrefix}`, "dev", cloudBridge]);
  }

  async addNode(links: NodeLinks): Promise<void> {
    const ns = this.namespaceOf(links.name);
    await this.addNamespace(ns);
    await runOk(["ip", "-n", ns, "link", "set", "lo", "up"]);
    const wire = async (hubPort: string, bridge: string, nodeIf: string, address: string, prefix: number) => {
      // Created from the hub straight into the node: no name is ever taken in the host namespace.
      await runOk(["ip", "-n", this.hub, "link", "add", hubPort, "type", "veth", "peer", "name", nodeIf, "netns", ns]);
      await runOk(["ip", "-n", this.hub, "link", "set", hubPort, "master", bridge]);
      await runOk(["ip", "-n", this.hub, "link", "set", hubPort, "up"]);
      await runOk(["ip", "-n", ns, "addr", "add", `${address}/${prefix}`, "dev", nodeIf]);
      await runOk(["ip", "-n", ns, "link", "set", nodeIf, "up"]);
    };
    await wire(clusterPort(links.name), clusterBridge, links.clusterInterface, links.clusterAddress, this.plan.clusterPrefix);
    await wire(cloudPort(links.name), cloudBridge, links.cloudInterface, links.cloudAddress, this.plan.cloudPrefix);
    this.nodes.set(links.name, links);
  }

  /**
   * Cuts the node off the cluster network by taking its port off the bridge. The node's own link
   * stays up (carrier on), so keepalived sees silence, not an interface fault.
   */
  async partition(node: string): Promise<void> {
    await runOk(["ip", "-n", this.hub, "link", "set", clusterPort(node), "nomaster"]);
  }

  async heal(node: string): Promise<void> {
    await runOk(["ip", "-n", this.hub, "link", "set", clusterPort(node), "master", clusterBridge]);
  }

  /** The IPv4 addresses on a node interface, as `ip -j addr` reports them. */
  async addressesOn(node: string, iface: string): Promise<string[]> {
    const json = await runOk(["ip", "-n", this.namespaceOf(node), "-j", "-4", "addr", "show", "dev", iface]);
    const parsed = JSON.parse(json || "[]") as { addr_info?: { local: string }[] }[];
    return parsed.flatMap((link) => (link.addr_info ?? []).map((a) => a.local));
  }

  private async addNamespace(name: string): Promise<void> {
    await runOk(["ip", "netns", "add", name]);
    // Deleting a namespace also destroys every veth end inside it, and with it the peer.
    this.teardown.add(`network namespace ${name}`, () => {
      runSync(["ip", "netns", "del", name]);
    });
  }
}

const clusterPort = (node: string) => `c-${node}`.slice(0, 15);
const cloudPort = (node: string) => `k-${node}`.slice(0, 15);
