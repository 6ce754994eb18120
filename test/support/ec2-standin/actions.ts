import type { ActionTable } from "./action";
import { addressActions } from "./actions-addresses";
import { instanceActions } from "./actions-instances";
import { interfaceActions } from "./actions-interfaces";
import { routeActions } from "./actions-routes";
import { volumeActions } from "./actions-volumes";

// Every EC2 action the stand-in serves; anything else is answered InvalidAction.

export const ec2Actions: ActionTable = {
  ...interfaceActions,
  ...addressActions,
  ...routeActions,
  ...volumeActions,
  ...instanceActions,
};
