import { AwsHaError, type ErrorKind } from "../errors";
import { oneLine } from "../log";
import { factsOf, NETWORK_CODES, transportFailure } from "./aws-failure";

// EC2 answers every failure with a code string (the SDK puts it in `error.name`), not a typed class.
// This file turns those codes, and the SDK's own timeout, abort and network failures, into
// AwsHaErrors that say what the operator must do.

const THROTTLING_CODES = new Set([
  "RequestLimitExceeded",
  "Throttling",
  "ThrottlingException",
  "EC2ThrottledException",
  "RequestThrottled",
]);
const CONFLICT_CODES = new Set(["VolumeInUse", "IncorrectState", "IncorrectInstanceState", "Resource.AlreadyAssociated"]);

// EC2's NotFound codes name the kind of id; the operator thinks in the description's words.
const NOT_FOUND_KINDS: Record<string, string> = {
  "InvalidVolume.NotFound": "volume",
  "InvalidInstanceID.NotFound": "instance",
  "InvalidNetworkInterfaceID.NotFound": "network interface",
  "InvalidAllocationID.NotFound": "Elastic IP allocation",
  "InvalidAddress.NotFound": "Elastic IP address",
  "InvalidAssociationID.NotFound": "Elastic IP association",
  "InvalidRouteTableID.NotFound": "route table",
  "InvalidRoute.NotFound": "route",
  "InvalidSubnetID.NotFound": "subnet",
  "InvalidAttachment.NotFound": "volume attachment",
};

const AWS_ID = /\b(?:i|vol|eni|eipalloc|eipassoc|rtb|subnet|vpc)-[0-9a-f]{8,17}\b/;

/** The EC2 error code of a failure, or the network error code the SDK wrapped, if any. */
export function awsCodeOf(error: unknown): string | undefined {
  const facts = factsOf(error);
  // An answer that is not EC2's has no EC2 code; the SDK's class name ("Error") is not one.
  return facts?.foreign === undefined ? facts?.code : undefined;
}

/**
 * A failure that a later attempt may not meet: throttling, EC2's 5xx, the network. EC2 rejects a
 * throttled request without acting on it.
 */
export function isTransient(error: unknown): boolean {
  const facts = factsOf(error);
  if (!facts || facts.foreign !== undefined) return false;
  return THROTTLING_CODES.has(facts.code) || NETWORK_CODES.has(facts.code) || (facts.status ?? 0) >= 500 || facts.status === 429;
}

/** True when EC2 answered with `code`. */
export function isAwsCode(error: unknown, ...codes: string[]): boolean {
  const code = awsCodeOf(error);
  return code !== undefined && codes.includes(code);
}

/**
 * The AwsHaError for a failed EC2 call. `action` is the API action (AssignPrivateIpAddresses…),
 * `resource` the id the call was about, used when EC2's message does not name one. It keeps the
 * SDK's error as its cause, and EC2's code, request id and HTTP status in its details, for the log.
 */
export function ec2Failure(action: string, error: unknown, resource?: string): AwsHaError {
  if (error instanceof AwsHaError) return error;
  const facts = factsOf(error);
  if (!facts)
    return new AwsHaError(
      "cloud",
      `EC2 ${action} failed: ${oneLine(error instanceof Error ? error.message : String(error), 300)}`,
      { resource, fix: "see the log; retry the transition" },
      { cause: error },
    );
  const answer = { requestId: facts.requestId, httpStatus: facts.status };
  if (facts.foreign !== undefined)
    return new AwsHaError(
      "cloud",
      `EC2 answered ${action} with something that is not EC2's XML (${facts.status === undefined ? "not even HTTP" : `HTTP status ${facts.status}`}; ${facts.foreign})`,
      {
        resource,
        ...answer,
        fix: "something other than EC2 answered: check the EC2 endpoint the node uses (AWS_ENDPOINT_URL_EC2, a VPC endpoint) and any proxy or firewall in between, then retry the transition",
      },
      { cause: error },
    );
  // EC2's code and message are words from outside, printed on one line of the log.
  const code = oneLine(facts.code, 80);
  const message = oneLine(facts.message, 300);
  const failure = (kind: ErrorKind, text: string, fix: string, where = resource) =>
    new AwsHaError(kind, text, { resource: where, awsCode: code, ...answer, fix }, { cause: error });

  if (isDenial(code))
    return failure(
      "permission",
      `EC2 denied ${action} (${code})`,
      `add ec2:${action} to the node's role (aws-ha-gen iam-policy prints the policy)`,
    );
  if (isCredentialFailure(code))
    return failure(
      "permission",
      `EC2 did not accept the node's credentials for ${action} (${code})`,
      "check the node's instance profile (or AWS_* credentials) and that its clock is in sync",
    );

  if (code.endsWith(".NotFound")) {
    return failure(
      "config",
      `EC2 ${action}: ${notFoundText(code, message, resource)} (${code})`,
      "check the ids in the cluster description: they must exist in the node's region and account",
      resource ?? AWS_ID.exec(message)?.[0] ?? "the id",
    );
  }
  if (code === "InvalidVolume.ZoneMismatch")
    return failure(
      "config",
      `EC2 refused ${action}: the volume and the instance are in different availability zones (${code})`,
      "an EBS volume attaches only in its own AZ: put the volume's nodes in the volume's AZ, or restore a snapshot there",
    );
  // EC2 has no reassignment for IPv6: an address another ENI carries stays there until unassigned.
  if (code === "InvalidIPAddress.InUse")
    return failure(
      "conflict",
      `EC2 refused ${action}: another network interface carries the address (${code})`,
      "an IPv6 address moves only once unassigned from the interface that carries it: see `aws-ha-notify show` for the holder; a node of the cluster lets go when its cluster manager demotes it, an interface outside the cluster must be freed by hand",
    );
  if (code === "InvalidNetworkInterface.InUse") {
    const eni = AWS_ID.exec(message)?.[0] ?? resource;
    return failure(
      "conflict",
      `EC2 refused ${action}: network interface ${eni ?? "(unnamed)"} is attached to an instance (${code})`,
      "an ENI attaches to one instance at a time: let the holder release it (`aws-ha-notify show` names it), or turn on fencing so this node stops a holder that keeps it",
    );
  }
  if (CONFLICT_CODES.has(code))
    return failure(
      "conflict",
      `EC2 refused ${action}: ${message} (${code})`,
      "another node or an unfinished change holds it; see `aws-ha-notify show`, and let the peer release it (or enable fencing)",
    );

  const transport = transportFailure("EC2", action, code, failure, "the EC2 endpoint (NAT gateway, VPC endpoint, proxy)");
  if (transport) return transport;
  if (THROTTLING_CODES.has(code) || facts.status === 429)
    return failure(
      "cloud",
      `EC2 throttled ${action}, even after retries (${code})`,
      "something else in the account calls EC2 heavily; retry, or raise timeouts.transition",
    );
  if (facts.status !== undefined && facts.status >= 500)
    return failure(
      "cloud",
      `EC2 failed ${action} with HTTP ${facts.status}, even after retries (${code})`,
      "EC2 is having trouble in this region; retry the transition",
    );

  return failure(
    "cloud",
    `EC2 refused ${action}: ${message} (${code})`,
    "see EC2's message; the cluster description may name something EC2 cannot use",
  );
}

/**
 * True when EC2 refused the request itself — its parameters, or the resources it names and how they
 * fit together (an unknown id, a route that does not exist) — rather than the caller's permission or
 * credentials, the request rate, the network or the service's health.
 */
export function isRequestRefusal(error: unknown): boolean {
  const facts = factsOf(error);
  if (!facts || facts.foreign !== undefined) return false;
  if (facts.status === undefined || facts.status < 400 || facts.status >= 500 || facts.status === 429) return false;
  const { code } = facts;
  return code !== "DryRunOperation" && !isDenial(code) && !isCredentialFailure(code) && !THROTTLING_CODES.has(code);
}

/**
 * ReplaceRoute on a table without the route: InvalidRoute.NotFound, or (as EC2 documents it)
 * InvalidParameterValue "There is no route defined for '…' in the route table. Use CreateRoute instead."
 */
export function namesMissingRoute(code: string, message: string): boolean {
  return code === "InvalidRoute.NotFound" || (code === "InvalidParameterValue" && /no route/i.test(message));
}

/**
 * A refusal in the operator's words: "volume vol-… does not exist (InvalidVolume.NotFound)", else
 * EC2's message and code, on one line and bounded (it is printed as one line of `check`).
 */
export function refusalText(code: string, message: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = (text: string, limit: number) => text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").slice(0, limit);
  const said = code.endsWith(".NotFound") ? notFoundText(code, message) : flat(message, 300).replace(/\.?\s*$/, "");
  return `${said} (${flat(code, 80)})`;
}

function isDenial(code: string): boolean {
  return code === "UnauthorizedOperation" || code === "AccessDenied" || code === "AccessDeniedException";
}

function isCredentialFailure(code: string): boolean {
  return code.endsWith("AuthFailure") || code === "InvalidClientTokenId" || code === "SignatureDoesNotMatch";
}

// EC2's NotFound messages name the kind of id in its own words; the operator thinks in the description's.
function notFoundText(code: string, message: string, resource?: string): string {
  const id = AWS_ID.exec(message)?.[0] ?? resource ?? "the id";
  return `${NOT_FOUND_KINDS[code] ?? "resource"} ${id} does not exist`;
}
