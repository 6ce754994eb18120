import type { TransitionContext } from "./resource";

// keepalived puts its virtual_ipaddress entries (VIPs and overlay addresses) on the interface itself;
// under Heartbeat and Pacemaker nothing else does, so the resource adds and removes them, on the
// node interface the resource names (`iface`).

function managesLocalAddress(ctx: TransitionContext): boolean {
  return ctx.description.manager !== "keepalived";
}

/** "keepalived" when the address on the interface is not ours to judge. */
export type LocalAddressState = "present" | "missing" | "keepalived";

export async function localAddressState(ctx: TransitionContext, iface: string, address: string): Promise<LocalAddressState> {
  if (!managesLocalAddress(ctx)) return "keepalived";
  return (await ctx.host.hasAddress(iface, address)) ? "present" : "missing";
}

/** The part of a detail line about the local address, when it disagrees with EC2. */
export function localNote(iface: string, oursInEc2: boolean, local: LocalAddressState): string {
  if (oursInEc2 && local === "missing") return `, but not on ${iface}`;
  if (!oursInEc2 && local === "present") return `, yet still on ${iface} here`;
  return "";
}

/** Adds the address unless keepalived does; true when it was missing. */
export async function addLocalAddress(
  ctx: TransitionContext,
  iface: string,
  address: string,
  prefix: number,
  announce: boolean,
): Promise<boolean> {
  if (!managesLocalAddress(ctx) || (await ctx.host.hasAddress(iface, address))) return false;
  ctx.log.info(`adding ${address}/${prefix} to ${iface}`);
  await ctx.host.addAddress(iface, address, prefix);
  // Neighbours (and the VPC's own ARP cache on the subnet) learn the new owner without waiting.
  if (announce) await ctx.host.announceAddress(iface, address);
  return true;
}

/** Removing a local address is always safe: EC2 decides where traffic goes. True when it was there. */
export async function removeLocalAddress(ctx: TransitionContext, iface: string, address: string, prefix: number): Promise<boolean> {
  if (!managesLocalAddress(ctx) || !(await ctx.host.hasAddress(iface, address))) return false;
  ctx.log.info(`removing ${address}/${prefix} from ${iface}`);
  await ctx.host.removeAddress(iface, address, prefix);
  return true;
}
