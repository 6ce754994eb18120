import type { Kind } from "../kind";
import { servicePermissions } from "./permissions";
import { ServiceResource } from "./resource";

export const serviceKind: Kind<"service"> = {
  stage: "service",
  create: (spec, earlier) => new ServiceResource(spec, earlier),
  permissions: servicePermissions,
};
