import { nodeA, resource } from "./cluster-fixture";
import { given } from "./given";
import type { TwoNodeWorldOptions } from "./two-node-world";

/**
 * Heartbeat's narrow use of aws-ha-updateeip: one Elastic IP on the nodes' primary addresses, a
 * second address of the account that the description does not name, and a secondary address on
 * node-a that an address may be pointed at.
 */
export const heartbeatEipWorld: TwoNodeWorldOptions = {
  manager: "heartbeat",
  resources: () => [resource.eipOnPrimary()],
  given: (spec) => {
    given.otherEip(spec);
    given.secondaryAddressOn(spec, nodeA);
  },
};
