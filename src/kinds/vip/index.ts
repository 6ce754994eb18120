import { interfacePreflight } from "../interface-preflight";
import type { Kind } from "../kind";
import { vipPermissions } from "./permissions";
import { VipResource } from "./resource";

export const vipKind: Kind<"vip"> = {
  stage: "cloud",
  create: (spec, earlier) => new VipResource(spec, earlier),
  permissions: vipPermissions,
  preflight: interfacePreflight,
};
