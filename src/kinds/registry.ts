import type { ClusterDescription, ResourceKind, ResourceSpec } from "../cluster/schema";
import { EipResource } from "./eip/resource";
import { HookResource } from "./hook/resource";
import type { Resource } from "./resource";
import { RouteResource } from "./route/resource";
import { ServiceResource } from "./service/resource";
import { VipResource } from "./vip/resource";
import { VolumeResource } from "./volume/resource";

// A transition moves the cloud resources first (concurrently, except where one needs another),
// then runs the hooks on top of them, then starts the services; a release runs the same order
// backwards. Each kind says which stage it belongs to and builds its resource.

const stages = ["cloud", "hook", "service"] as const;
type Stage = (typeof stages)[number];
type SpecOf<K extends ResourceKind> = Extract<ResourceSpec, { kind: K }>;

interface Kind<K extends ResourceKind> {
  stage: Stage;
  /** `earlier`: every resource of an earlier stage; the VIPs by address for an EIP bound to one. */
  create(spec: SpecOf<K>, earlier: string[], vipsByAddress: ReadonlyMap<string, string[]>): Resource;
}

const kinds: { [K in ResourceKind]: Kind<K> } = {
  vip: { stage: "cloud", create: (spec, earlier) => new VipResource(spec, earlier) },
  eip: {
    stage: "cloud",
    // An EIP bound to a VIP's address waits for that VIP.
    create: (spec, earlier, vipsByAddress) =>
      new EipResource(spec, [...earlier, ...((spec.privateAddress && vipsByAddress.get(spec.privateAddress)) || [])]),
  },
  route: { stage: "cloud", create: (spec, earlier) => new RouteResource(spec, earlier) },
  volume: { stage: "cloud", create: (spec, earlier) => new VolumeResource(spec, earlier) },
  hook: { stage: "hook", create: (spec, earlier) => new HookResource(spec, earlier) },
  service: { stage: "service", create: (spec, earlier) => new ServiceResource(spec, earlier) },
};

/** One resource per entry of the description, in the description's order, with what each waits for. */
export function resourcesFor(d: ClusterDescription): Resource[] {
  // Built once and shared (a resource's dependsOn is read-only): a list per resource would make
  // building quadratic in the number of resources.
  const earlier = new Map<Stage, string[]>(stages.map((s) => [s, []]));
  for (const spec of d.resources) {
    const rank = stages.indexOf(kinds[spec.kind].stage);
    for (const later of stages.slice(rank + 1)) earlier.get(later)!.push(spec.name);
  }
  const vipsByAddress = new Map<string, string[]>();
  for (const spec of d.resources)
    if (spec.kind === "vip") vipsByAddress.set(spec.address, [...(vipsByAddress.get(spec.address) ?? []), spec.name]);
  return d.resources.map((spec) => create(spec, earlier.get(kinds[spec.kind].stage)!, vipsByAddress));
}

function create<K extends ResourceKind>(spec: SpecOf<K>, earlier: string[], vipsByAddress: ReadonlyMap<string, string[]>): Resource {
  return (kinds[spec.kind] as Kind<K>).create(spec, earlier, vipsByAddress);
}
