import type { Kind } from "../kind";
import { routePermissions } from "./permissions";
import { routePreflight } from "./preflight";
import { RouteResource } from "./resource";

export const routeKind: Kind<"route"> = {
  stage: "cloud",
  create: (spec, earlier) => new RouteResource(spec, earlier),
  permissions: routePermissions,
  preflight: routePreflight,
};
