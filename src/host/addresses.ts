import type { CommandResult } from "./host-port";
import { commandFailed, type Exec } from "./run-command";

// IPv4 addresses on a local interface, through iproute2. Adding what is there and removing what
// is not both count as done, so a repeated transition changes nothing.

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

export async function addressesOf(scope: AddressScope, iface: string): Promise<InterfaceAddress[]> {
  const argv = ip(scope, "-o", "-4", "addr", "show", "dev", iface);
  const result = await scope.exec(argv, ipTimeoutMs);
  if (result.exitCode !== 0)
    throw commandFailed(
      argv,
      result,
      noSuchInterface(result) ? `there is no interface ${iface} here; correct nodes[].interface` : undefined,
    );
  // One line per address: `2: eth0    inet 10.0.1.10/24 brd 10.0.1.255 scope global eth0\ …`
  return [...result.stdout.matchAll(/\binet (\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})\b/g)].map((m) => ({
    address: m[1]!,
    prefix: Number(m[2]),
  }));
}

export async function hasAddress(scope: AddressScope, iface: string, address: string): Promise<boolean> {
  return (await addressesOf(scope, iface)).some((a) => a.address === address);
}

export async function addAddress(scope: AddressScope, iface: string, address: string, prefix: number): Promise<void> {
  const argv = ip(scope, "addr", "add", `${address}/${prefix}`, "dev", iface);
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
 */
export async function announceAddress(scope: AddressScope, iface: string, address: string): Promise<void> {
  const arping = ["arping", "-U", "-c", "1", "-I", iface, address];
  await scope.exec(scope.netns ? ["ip", "netns", "exec", scope.netns, ...arping] : arping, arpingTimeoutMs).catch(() => undefined);
}

function ip(scope: AddressScope, ...args: string[]): string[] {
  return scope.netns ? ["ip", "-n", scope.netns, ...args] : ["ip", ...args];
}

function noSuchInterface(result: CommandResult): boolean {
  return /does not exist|Cannot find device/i.test(result.stderr);
}
