import { AwsHaError } from "../errors";

// EC2 answers every failure with a code string (the SDK puts it in `error.name`), not a typed class.
// This file turns those codes, and the SDK's own timeout, abort and network failures, into
// AwsHaErrors that say what the operator must do.

/** What the SDK gives us about a failed call, whatever threw it. */
interface FailureFacts {
  code: string;
  message: string;
  status?: number;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
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
  return factsOf(error)?.code;
}

/** True when EC2 answered with `code`. */
export function isAwsCode(error: unknown, ...codes: string[]): boolean {
  const code = awsCodeOf(error);
  return code !== undefined && codes.includes(code);
}

/**
 * The AwsHaError for a failed EC2 call. `action` is the API action (AssignPrivateIpAddresses…),
 * `resource` the id the call was about, used when EC2's message does not name one.
 */
export function ec2Failure(action: string, error: unknown, resource?: string): AwsHaError {
  if (error instanceof AwsHaError) return error;
  const facts = factsOf(error);
  if (!facts)
    return new AwsHaError("cloud", `EC2 ${action} failed: ${error instanceof Error ? error.message : String(error)}`, {
      resource,
      fix: "see the log; retry the transition",
    });
  const { code, message } = facts;
  const details = (fix: string) => ({ resource, awsCode: code, fix });

  if (code === "UnauthorizedOperation" || code === "AccessDenied" || code === "AccessDeniedException")
    return new AwsHaError(
      "permission",
      `EC2 denied ${action} (${code})`,
      details(`add ec2:${action} to the node's role (aws-ha-gen iam-policy prints the policy)`),
    );
  if (code.endsWith("AuthFailure") || code === "InvalidClientTokenId" || code === "SignatureDoesNotMatch")
    return new AwsHaError(
      "permission",
      `EC2 did not accept the node's credentials for ${action} (${code})`,
      details("check the node's instance profile (or AWS_* credentials) and that its clock is in sync"),
    );

  if (code.endsWith(".NotFound")) {
    const id = AWS_ID.exec(message)?.[0] ?? resource ?? "the id";
    const what = NOT_FOUND_KINDS[code] ?? "resource";
    return new AwsHaError("config", `EC2 ${action}: ${what} ${id} does not exist (${code})`, {
      resource: resource ?? id,
      awsCode: code,
      fix: "check the ids in the cluster description: they must exist in the node's region and account",
    });
  }
  if (code === "InvalidVolume.ZoneMismatch")
    return new AwsHaError(
      "config",
      `EC2 refused ${action}: the volume and the instance are in different availability zones (${code})`,
      details("an EBS volume attaches only in its own AZ: put the volume's nodes in the volume's AZ, or restore a snapshot there"),
    );
  if (CONFLICT_CODES.has(code))
    return new AwsHaError(
      "conflict",
      `EC2 refused ${action}: ${message} (${code})`,
      details("another node or an unfinished change holds it; see `aws-ha-notify show`, and let the peer release it (or enable fencing)"),
    );

  if (code === "AbortError")
    return new AwsHaError(
      "cloud",
      `EC2 ${action} was cut short: the transition deadline passed`,
      details("raise timeouts.transition in the cluster description, or see the log for the slow step"),
    );
  if (code === "TimeoutError")
    return new AwsHaError(
      "cloud",
      `EC2 did not answer ${action} in time, even after retries (${code})`,
      details("check the node's route to the EC2 endpoint (NAT gateway, VPC endpoint, proxy), or raise timeouts.request"),
    );
  if (NETWORK_CODES.has(code))
    return new AwsHaError(
      "cloud",
      `cannot reach EC2 for ${action} (${code})`,
      details("check the node's route and DNS to the EC2 endpoint (NAT gateway, VPC endpoint, proxy)"),
    );
  if (THROTTLING_CODES.has(code) || facts.status === 429)
    return new AwsHaError(
      "cloud",
      `EC2 throttled ${action}, even after retries (${code})`,
      details("something else in the account calls EC2 heavily; retry, or raise timeouts.transition"),
    );
  if (facts.status !== undefined && facts.status >= 500)
    return new AwsHaError(
      "cloud",
      `EC2 failed ${action} with HTTP ${facts.status}, even after retries (${code})`,
      details("EC2 is having trouble in this region; retry the transition"),
    );

  return new AwsHaError(
    "cloud",
    `EC2 refused ${action}: ${message} (${code})`,
    details("see EC2's message; the cluster description may name something EC2 cannot use"),
  );
}

function factsOf(error: unknown): FailureFacts | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as Error & { code?: unknown; $metadata?: { httpStatusCode?: number }; $fault?: unknown; cause?: unknown };
  // The SDK may attach $metadata to transport failures too, so those are recognised first. Its
  // request timeout carries code ETIMEDOUT as well: the name says which it is.
  if (e.name === "AbortError" || e.name === "TimeoutError") return { code: e.name, message: e.message };
  if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return { code: e.code, message: e.message };
  // Service errors: the SDK sets name to EC2's code and keeps the HTTP status.
  if (e.$metadata !== undefined || e.$fault !== undefined) return { code: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  const cause = e.cause instanceof Error ? factsOf(e.cause) : undefined;
  return cause ?? undefined;
}
