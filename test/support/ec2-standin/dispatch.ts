import { ec2Actions } from "./actions";
import type { ActionTable } from "./action";
import { dryRunSucceeded, Ec2Error, unauthorized } from "./errors";
import type { Faults } from "./faults";
import type { QueryRequest } from "./query";
import type { Ec2World } from "./world";
import { issuedKeyOf } from "../sts-standin/issued-keys";
import { errorBody, successBody } from "./xml";

// One EC2 request from parsed form to XML answer, in the order EC2 itself decides: is the action
// known, is the service failing right now (injected), are the parameters ones the action has, is
// the request itself sound (its parameters, the resources it names), is the caller allowed, is it
// only a DryRun, and finally what the action does to the world. Whether EC2 judges the request
// before or after the IAM decision is undocumented: the world says which (`requestChecks`).

export interface Ec2Answer {
  status: number;
  body: string;
  /** The error code, when the answer is an error. */
  error?: string;
}

export interface Caller {
  /** The IAM principal named in UnauthorizedOperation messages. */
  principal: string;
}

export function answer(
  world: Ec2World,
  faults: Faults,
  request: QueryRequest,
  caller: Caller,
  requestId: string,
  actions: ActionTable = ec2Actions,
): Ec2Answer {
  try {
    const inner = serve(world, faults, request, caller, actions);
    return { status: 200, body: successBody(request.action, requestId, inner) };
  } catch (e) {
    const error =
      e instanceof Ec2Error ? e : new Ec2Error("InternalError", `An internal error has occurred. (${(e as Error).message})`, 500);
    return { status: error.status, body: errorBody(error.code, error.message, requestId), error: error.code };
  }
}

function serve(world: Ec2World, faults: Faults, request: QueryRequest, caller: Caller, actions: ActionTable): string {
  const action = Object.hasOwn(actions, request.action) ? actions[request.action] : undefined;
  if (!action) {
    if (request.action === "") throw new Ec2Error("MissingAction", "The request must contain the parameter Action");
    throw new Ec2Error("InvalidAction", `The action ${request.action} is not valid for this web service.`);
  }
  const injected = faults.takeFailure(request.action);
  if (injected) throw injected;
  const dryRun = request.get("DryRun");
  // Assign/UnassignPrivateIpAddresses have no DryRun member: EC2 rejects it as any unknown parameter.
  if (dryRun !== undefined && !action.dryRun) throw new Ec2Error("UnknownParameter", "The parameter DryRun is not recognized");
  if (world.requestChecks === "before-permission") action.validate?.(world, request);
  if (faults.denies(request.action)) throw unauthorized(request.action, caller.principal, world.region, world.accountId);
  if (world.requestChecks === "after-permission") action.validate?.(world, request);
  // A DryRun is answered only after the request's own checks: a refused request proves nothing.
  if (request.bool("DryRun") === true) throw dryRunSucceeded();
  return action.run(world, request);
}

/** The principal an access key stands for, read from a SigV4 Authorization header. */
export function callerOf(authorization: string, accountId: string): Caller {
  const accessKey = /Credential=([^/,\s]+)/.exec(authorization)?.[1] ?? "unknown";
  // Keys the STS stand-in issued stand for the role they were assumed as.
  const assumed = issuedKeyOf(authorization);
  if (assumed) return { principal: assumed.principal };
  return { principal: `arn:aws:iam::${accountId}:user/${accessKey}` };
}
