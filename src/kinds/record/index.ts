import type { Kind } from "../kind";
import { recordPermissions } from "./permissions";
import { recordPreflight } from "./preflight";
import { RecordResource } from "./resource";

export const recordKind: Kind<"record"> = {
  stage: "cloud",
  // A record of a vip's or an eip's address waits for that resource: it names where it now is.
  create: (spec, earlier, d) => {
    const target = spec.pointsAt;
    const follows =
      target === "node"
        ? []
        : d.resources
            .filter((r) => r.kind === ("vip" in target ? "vip" : "eip") && r.name === ("vip" in target ? target.vip : target.eip))
            .map((r) => r.name);
    return new RecordResource(spec, [...earlier, ...follows]);
  },
  permissions: recordPermissions,
  preflight: recordPreflight,
};
