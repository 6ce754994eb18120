// An error EC2 answers with: its code, its message, and the HTTP status the SDK sees. Actions throw
// these; the server turns them into EC2's <Response><Errors> body.

export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export const invalidParameterValue = (message: string) => new Ec2Error("InvalidParameterValue", message);

export const missingParameter = (name: string) => new Ec2Error("MissingParameter", `The request must contain the parameter ${name}`);

// EC2's NotFound messages name the resource kind in camel case ("The networkInterface ID … does not exist").
export const interfaceNotFound = (id: string) =>
  new Ec2Error("InvalidNetworkInterfaceID.NotFound", `The networkInterface ID '${id}' does not exist`);
export const instanceNotFound = (id: string) => new Ec2Error("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`);
export const volumeNotFound = (id: string) => new Ec2Error("InvalidVolume.NotFound", `The volume '${id}' does not exist.`);
export const allocationNotFound = (id: string) => new Ec2Error("InvalidAllocationID.NotFound", `The allocation ID '${id}' does not exist`);
export const associationNotFound = (id: string) =>
  new Ec2Error("InvalidAssociationID.NotFound", `The association ID '${id}' does not exist`);
export const routeTableNotFound = (id: string) => new Ec2Error("InvalidRouteTableID.NotFound", `The routeTable ID '${id}' does not exist`);
export const subnetNotFound = (id: string) => new Ec2Error("InvalidSubnetID.NotFound", `The subnet ID '${id}' does not exist`);

export const dryRunSucceeded = () => new Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);

/** The wording of an IAM denial as EC2 reports it, naming the principal and the action. */
export function unauthorized(action: string, principal: string, region: string, accountId: string): Ec2Error {
  return new Ec2Error(
    "UnauthorizedOperation",
    `You are not authorized to perform this operation. User: ${principal} is not authorized to perform: ec2:${action} ` +
      `on resource: arn:aws:ec2:${region}:${accountId}:* because no identity-based policy allows the ec2:${action} action.`,
    403,
  );
}
