import type { ClusterDescription } from "../../cluster/schema";
import { interfacePreflight } from "../interface-preflight";
import type { Kind } from "../kind";
import { eipPermissions } from "./permissions";
import { EipResource } from "./resource";

export const eipKind: Kind<"eip"> = {
  stage: "cloud",
  // An EIP bound to a VIP's address waits for that VIP: EC2 moves the EIP along with it.
  create: (spec, earlier, d) =>
    new EipResource(spec, [...earlier, ...((spec.privateAddress && vipsByAddress(d).get(spec.privateAddress)) || [])]),
  permissions: eipPermissions,
  preflight: interfacePreflight,
};

// Built once per description and shared by its EIPs: a search per EIP would make building
// quadratic in the number of resources.
const vipsOf = new WeakMap<ClusterDescription, ReadonlyMap<string, string[]>>();

function vipsByAddress(d: ClusterDescription): ReadonlyMap<string, string[]> {
  let byAddress = vipsOf.get(d);
  if (!byAddress) {
    const built = new Map<string, string[]>();
    for (const r of d.resources) if (r.kind === "vip") built.set(r.address, [...(built.get(r.address) ?? []), r.name]);
    vipsOf.set(d, (byAddress = built));
  }
  return byAddress;
}
