import type { Link } from "./host-port";
import { commandFailed, runChecked, type Exec } from "./run-command";

// Network interfaces (links) of this machine, through iproute2's JSON output: a whole ENI is found
// by its MAC address, whatever name the kernel and udev gave it, and brought up or down by name.

const ipTimeoutMs = 5_000;

/** Where the links are: this process's network namespace, or a named one. */
export interface LinkScope {
  exec: Exec;
  netns?: string;
}

/** One entry of `ip -j link show`, as far as aws-ha reads it. */
interface IpLink {
  ifname?: unknown;
  address?: unknown;
  flags?: unknown;
}

export async function links(scope: LinkScope): Promise<Link[]> {
  const argv = ip(scope, "-j", "link", "show");
  const result = await runChecked(scope.exec, argv, ipTimeoutMs);
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch {
    throw commandFailed(argv, { ...result, stderr: "its output is not JSON" }, "install an iproute2 that supports -j (4.14 or later)");
  }
  if (!Array.isArray(parsed)) return [];
  return (parsed as IpLink[]).flatMap((l) =>
    typeof l.ifname === "string" && typeof l.address === "string"
      ? [{ name: l.ifname, mac: l.address.toLowerCase(), up: Array.isArray(l.flags) && l.flags.includes("UP") }]
      : [],
  );
}

/** `ip link set dev NAME up|down`; a link already in that state counts as done. */
export async function setLinkUp(scope: LinkScope, name: string, up: boolean): Promise<void> {
  await runChecked(scope.exec, ip(scope, "link", "set", "dev", name, up ? "up" : "down"), ipTimeoutMs);
}

function ip(scope: LinkScope, ...args: string[]): string[] {
  return scope.netns ? ["ip", "-n", scope.netns, ...args] : ["ip", ...args];
}
