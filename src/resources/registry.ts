import type { ClusterDescription, ResourceKind, ResourceSpec } from "../cluster/schema";
import { EipResource, vipsCarrying } from "./eip";
import { HookResource } from "./hook";
import type { Resource } from "./resource";
import { RouteResource } from "./route";
import { ServiceResource } from "./service";
import { VipResource } from "./vip";
import { VolumeResource } from "./volume";

// A transition moves the cloud resources first (concurrently, except where one needs another),
// then runs the hooks on top of them, then starts the services; a release runs the same order
// backwards. Each kind says which stage it belongs to and builds its resource.

const stages = ["cloud", "hook", "service"] as const;
type Stage = (typeof stages)[number];
type SpecOf<K extends ResourceKind> = Extract<ResourceSpec, { kind: K }>;

interface Kind<K extends ResourceKind> {
  stage: Stage;
  /** `earlier`: every resource of an earlier stage; `all` for dependencies within the stage. */
  create(spec: SpecOf<K>, earlier: string[], all: readonly ResourceSpec[]): Resource;
}

const kinds: { [K in ResourceKind]: Kind<K> } = {
  vip: { stage: "cloud", create: (spec, earlier) => new VipResource(spec, earlier) },
  eip: { stage: "cloud", create: (spec, earlier, all) => new EipResource(spec, [...earlier, ...vipsCarrying(spec, all)]) },
  route: { stage: "cloud", create: (spec, earlier) => new RouteResource(spec, earlier) },
  volume: { stage: "cloud", create: (spec, earlier) => new VolumeResource(spec, earlier) },
  hook: { stage: "hook", create: (spec, earlier) => new HookResource(spec, earlier) },
  service: { stage: "service", create: (spec, earlier) => new ServiceResource(spec, earlier) },
};

/** One resource per entry of the description, in the description's order, with what each waits for. */
export function resourcesFor(d: ClusterDescription): Resource[] {
  return d.resources.map((spec) => create(spec, d.resources));
}

function create<K extends ResourceKind>(spec: SpecOf<K>, all: readonly ResourceSpec[]): Resource {
  const kind = kinds[spec.kind] as Kind<K>;
  const rank = (s: Stage) => stages.indexOf(s);
  const earlier = all.filter((other) => rank(kinds[other.kind].stage) < rank(kind.stage)).map((other) => other.name);
  return kind.create(spec, earlier, all);
}
