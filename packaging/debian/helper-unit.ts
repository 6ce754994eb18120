import { renderHelperUnit } from "../../src/gen/helper-unit";
import { residentNode } from "../../src/gen/resident-node";

/**
 * The helper's unit as the package installs it: Debian's /usr/bin/node (the package depends on
 * nodejs) with the resident flags, the package's aws-ha-notify, and its man page.
 */
export function packageHelperUnit(): string {
  return renderHelperUnit({ node: ["/usr/bin/node", ...residentNode.slice(2)], notifyPath: "/usr/bin/aws-ha-notify", manPage: true });
}
