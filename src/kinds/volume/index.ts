import type { Kind } from "../kind";
import { volumePermissions } from "./permissions";
import { volumePreflight } from "./preflight";
import { VolumeResource } from "./resource";

export const volumeKind: Kind<"volume"> = {
  stage: "cloud",
  create: (spec, earlier) => new VolumeResource(spec, earlier),
  permissions: volumePermissions,
  preflight: volumePreflight,
};
