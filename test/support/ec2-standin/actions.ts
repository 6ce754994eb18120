import type { ActionTable } from "./action";
import { addressActions } from "./actions-addresses";
import { eniAttachmentActions } from "./actions-eni-attachments";
import { instanceActions } from "./actions-instances";
import { interfaceActions } from "./actions-interfaces";
import { routeActions } from "./actions-routes";
import { volumeActions } from "./actions-volumes";

// Every EC2 action the stand-in serves; anything else is answered InvalidAction.

export const ec2Actions: ActionTable = {
  ...interfaceActions,
  ...eniAttachmentActions,
  ...addressActions,
  ...routeActions,
  ...volumeActions,
  ...instanceActions,
};

/** The actions that change the world when they succeed: what "no mutating call" means in every test. */
export const mutatingActions: ReadonlySet<string> = new Set(Object.keys(ec2Actions).filter((name) => ec2Actions[name]!.mutates));

/**
 * A call that asked EC2 to change something, whatever EC2 answered: a mutating action sent without
 * DryRun. A DryRun call only asks whether the caller may, so it never counts.
 */
export function isMutatingCall(call: { action: string; dryRun?: boolean }): boolean {
  return mutatingActions.has(call.action) && call.dryRun !== true;
}
