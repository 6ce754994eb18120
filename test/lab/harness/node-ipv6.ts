import { canonicalAddress } from "../../../src/cluster/ip-addresses";
import type { WorldState } from "./cloud-control";
import { runOk, runSync, type CommandOutcome } from "./commands";
import type { Lab } from "./lab";
import type { LabNode } from "./lab-node";

// IPv6 on the lab's cluster network: each node's address6 goes on its cluster interface, in the
// /64 EC2 gives the subnet, with nodad (a fresh namespace would otherwise hold it "tentative" for a
// second of duplicate detection). The addresses on an interface are read with `ip -j -6`, and
// EC2's view from the stand-in; both compare in the canonical spelling.

export interface Ipv6OnLink {
  address: string;
  prefix: number;
  /** The address's flags as `ip -j` reports them (nodad, tentative, dadfailed, …). */
  flags: string[];
}

/** Adds every node's address6 (/64, nodad) to its cluster interface. */
export async function addNodeIpv6(lab: Lab): Promise<void> {
  for (const node of lab.nodes) {
    const address6 = node.member.address6;
    if (address6 === undefined) continue;
    await runOk(["ip", "-n", lab.network.namespaceOf(node.name), "addr", "add", `${address6}/64`, "dev", node.member.interface, "nodad"]);
  }
}

/** The IPv6 addresses on the node's cluster interface, from `ip -j -6 addr show` in its namespace. */
export async function ipv6On(lab: Lab, node: LabNode): Promise<Ipv6OnLink[]> {
  const json = await runOk(["ip", "-n", lab.network.namespaceOf(node.name), "-j", "-6", "addr", "show", "dev", node.member.interface]);
  const parsed = JSON.parse(json || "[]") as { addr_info?: Record<string, unknown>[] }[];
  return parsed.flatMap((link) =>
    (link.addr_info ?? []).map((a) => ({
      address: canonicalAddress(String(a.local)),
      prefix: Number(a.prefixlen),
      flags: Object.keys(a).filter((key) => a[key] === true),
    })),
  );
}

/** Whether the address is on the node's cluster interface. */
export async function hasIpv6(lab: Lab, node: LabNode, address: string): Promise<boolean> {
  const wanted = canonicalAddress(address);
  return (await ipv6On(lab, node)).some((a) => a.address === wanted);
}

/** The ENIs that carry the IPv6 address in EC2's view. */
export function ipv6Carriers(world: WorldState, address: string): string[] {
  const wanted = canonicalAddress(address);
  return world.interfaces.filter((e) => e.ipv6Addresses.some((a) => canonicalAddress(a) === wanted)).map((e) => e.networkInterfaceId);
}

/**
 * One echo to the address from inside the node, bounded at 3 s: `ping6` where the distribution
 * ships it (GNU inetutils has no `ping -6`), else iputils' `ping -6`.
 */
export async function pingIpv6(node: LabNode, address: string): Promise<CommandOutcome> {
  const ping6 = runSync(["sh", "-c", "command -v ping6"]).code === 0 ? ["ping6"] : ["ping", "-6"];
  return node.machine.exec([...ping6, "-n", "-c", "1", "-w", "3", address], { timeoutMs: 10_000 });
}
