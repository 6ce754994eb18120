import type { Kind } from "../kind";
import { hookPermissions } from "./permissions";
import { HookResource } from "./resource";

export const hookKind: Kind<"hook"> = {
  stage: "hook",
  create: (spec, earlier) => new HookResource(spec, earlier),
  permissions: hookPermissions,
};
