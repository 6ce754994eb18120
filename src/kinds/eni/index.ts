import type { Kind } from "../kind";
import { eniPermissions } from "./permissions";
import { eniPreflight } from "./preflight";
import { EniResource } from "./resource";

export const eniKind: Kind<"eni"> = {
  stage: "cloud",
  create: (spec, earlier, d) => new EniResource(spec, earlier, `resources[${d.resources.indexOf(spec)}]`),
  permissions: eniPermissions,
  preflight: eniPreflight,
};
