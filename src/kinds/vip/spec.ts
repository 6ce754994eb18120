import { familyOf } from "../../cluster/ip-addresses";
import type { VipSpec } from "./schema";

// What a VIP's description means beyond its fields, for the code that acts on it: kept apart from
// the schema so that acting on a validated description never builds the schema.

/** The VIP's prefix length, given or its family's default. */
export function vipPrefix(vip: Pick<VipSpec, "address" | "prefix">): number {
  return vip.prefix ?? (familyOf(vip.address) === "ipv6" ? 64 : 24);
}
