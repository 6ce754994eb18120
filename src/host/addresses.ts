import { familyOf } from "../cluster/ip-addresses";
import type { CommandResult } from "./host-port";
import { commandFailed, type Exec } from "./run-command";

// The addresses on a local interface, IPv4 and IPv6, through iproute2. Adding what is there and
// removing what is not both count as done, so a repeated transition changes nothing.

const ipTimeoutMs = 5_000;
const arpingTimeoutMs = 3_000;

export interface InterfaceAddress {
  address: string;
  prefix: number;
}

/** Where the interfaces are: this process's network namespace, or a named one. */
export interface AddressScope {
  exec: Exec;
  netns?: string;
}

/** The part of `ip -j addr show` read here: one object per interface, its addresses in addr_info. */
interface IpLink {
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

export async function addressesOf(scope: AddressScope, iface: string): Promise<InterfaceAddress[]> {
  // JSON (iproute2 ≥ 4.13) rather than the text form, whose layout differs between versions.
  const argv = ip(scope, "-j", "addr", "show", "dev", iface);
  const result = await scope.exec(argv, ipTimeoutMs);
  if (result.exitCode !== 0)
    throw commandFailed(
      argv,
      result,
      noSuchInterface(result) ? `there is no interface ${iface} here; correct nodes[].interface` : undefined,
    );
  let links: IpLink[];
  try {
    links = JSON.parse(result.stdout) as IpLink[];
  } catch {
    throw commandFailed(argv, result, "ip -j printed no JSON: install an iproute2 that has -j (4.13 or later)");
  }
  return links.flatMap((link) =>
    (link.addr_info ?? []).flatMap((a) =>
      (a.family === "inet" || a.family === "inet6") && typeof a.local === "string" && typeof a.prefixlen === "number"
        ? [{ address: a.local, prefix: a.prefixlen }]
        : [],
    ),
  );
}

export async function hasAddress(scope: AddressScope, iface: string, address: string): Promise<boolean> {
  return (await addressesOf(scope, iface)).some((a) => a.address === address);
}

export async function addAddress(scope: AddressScope, iface: string, address: string, prefix: number): Promise<void> {
  // nodad: the address has just moved here from the peer, whose stale entry must not hold it back
  // in "tentative" for a second of duplicate detection (EC2 already guarantees it is ours alone).
  const argv = ip(scope, "addr", "add", `${address}/${prefix}`, "dev", iface, ...(familyOf(address) === "ipv6" ? ["nodad"] : []));
  const result = await scope.exec(argv, ipTimeoutMs);
  // iproute2 ≥ 5.x says "Address already assigned", older ones "File exists".
  if (result.exitCode === 0 || /already assigned|File exists/i.test(result.stderr)) return;
  throw commandFailed(argv, result, noSuchInterface(result) ? `there is no interface ${iface} here; correct nodes[].interface` : undefined);
}

/**
 * Removes the address whatever its prefix: the kernel deletes only on an exact prefix match, and
 * keepalived adds a virtual_ipaddress without one as /32.
 */
export async function removeAddress(scope: AddressScope, iface: string, address: string): Promise<void> {
  for (const present of (await addressesOf(scope, iface)).filter((a) => a.address === address)) {
    const argv = ip(scope, "addr", "del", `${address}/${present.prefix}`, "dev", iface);
    const result = await scope.exec(argv, ipTimeoutMs);
    // Gone meanwhile: "Address not found" (newer iproute2) or "Cannot assign requested address".
    if (result.exitCode !== 0 && !/not found|Cannot assign requested address/i.test(result.stderr)) throw commandFailed(argv, result);
  }
}

/**
 * One gratuitous ARP so neighbours on the same segment update their caches at once. Best effort:
 * the VPC ignores ARP for routing, and arping is often not installed.
 *
 * IPv6 gets no unsolicited neighbour advertisement: arping's -U is IPv4 only, Debian's ndisc6
 * package only solicits (ndisc6, rdisc6), and no advertising tool is part of a Debian node. It is
 * not needed for delivery: the VPC sends to the ENI EC2 assigned the address to whatever a
 * neighbour's cache says, and neighbours re-learn the MAC by their own unreachability detection.
 */
export async function announceAddress(scope: AddressScope, iface: string, address: string): Promise<void> {
  if (familyOf(address) === "ipv6") return;
  const arping = ["arping", "-U", "-c", "1", "-I", iface, address];
  await scope.exec(scope.netns ? ["ip", "netns", "exec", scope.netns, ...arping] : arping, arpingTimeoutMs).catch(() => undefined);
}

function ip(scope: AddressScope, ...args: string[]): string[] {
  return scope.netns ? ["ip", "-n", scope.netns, ...args] : ["ip", ...args];
}

function noSuchInterface(result: CommandResult): boolean {
  return /does not exist|Cannot find device/i.test(result.stderr);
}
