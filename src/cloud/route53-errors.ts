import { AwsHaError, type ErrorKind } from "../errors";
import { oneLine } from "../log";
import { factsOf, NETWORK_CODES, transportFailure } from "./aws-failure";

// Route53 answers a failure with a code string as EC2 does (the SDK puts it in `error.name`), from a
// service of its own: its own throttling (5 requests a second per account, and PriorRequestNotComplete
// while an earlier change to the zone is still being applied), its own "not found" codes, and
// InvalidChangeBatch for a change that does not fit the zone as it is. This file says which failures
// a later attempt may not meet, and turns the rest into AwsHaErrors that say what to do.

const THROTTLING_CODES = new Set(["Throttling", "ThrottlingException", "PriorRequestNotComplete", "RequestLimitExceeded"]);
const DENIAL_CODES = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"]);
const CREDENTIAL_CODES = new Set([
  "MissingAuthenticationToken",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "UnrecognizedClientException",
]);

/** Route53's error code of a failure, if it answered with one. */
export function route53CodeOf(error: unknown): string | undefined {
  const facts = factsOf(error);
  // An answer that is not Route53's has no Route53 code.
  return facts?.foreign === undefined ? facts?.code : undefined;
}

/**
 * A failure a later attempt may not meet: throttling (PriorRequestNotComplete included), Route53's
 * 5xx, the network. Route53 acts on none of these requests.
 */
export function isRetryable(error: unknown): boolean {
  const facts = factsOf(error);
  if (!facts || facts.foreign !== undefined) return false;
  return THROTTLING_CODES.has(facts.code) || NETWORK_CODES.has(facts.code) || facts.status === 429 || (facts.status ?? 0) >= 500;
}

/** The AwsHaError for a failed Route53 call; `zone` is the hosted zone (or change) it was about. */
export function route53Failure(action: string, error: unknown, zone?: string): AwsHaError {
  if (error instanceof AwsHaError) return error;
  const facts = factsOf(error);
  if (!facts)
    return new AwsHaError(
      "cloud",
      `Route53 ${action} failed: ${oneLine(error instanceof Error ? error.message : String(error), 300)}`,
      { resource: zone, fix: "see the log; retry the transition" },
      { cause: error },
    );
  if (facts.foreign !== undefined)
    return new AwsHaError(
      "cloud",
      `Route53 answered ${action} with something that is not Route53's XML (${facts.status === undefined ? "not even HTTP" : `HTTP status ${facts.status}`}; ${facts.foreign})`,
      {
        resource: zone,
        requestId: facts.requestId,
        httpStatus: facts.status,
        fix: "something other than Route53 answered: check AWS_ENDPOINT_URL_ROUTE_53 and any proxy or firewall in between, then retry the transition",
      },
      { cause: error },
    );
  const code = oneLine(facts.code, 80);
  const message = oneLine(facts.message, 300);
  const failure = (kind: ErrorKind, text: string, fix: string) =>
    new AwsHaError(
      kind,
      text,
      { resource: zone, awsCode: code, requestId: facts.requestId, httpStatus: facts.status, fix },
      { cause: error },
    );

  if (DENIAL_CODES.has(code))
    return failure(
      "permission",
      `Route53 denied ${action} (${code})`,
      `add route53:${action} to the node's role (aws-ha-gen iam-policy prints the policy)`,
    );
  if (CREDENTIAL_CODES.has(code))
    return failure(
      "permission",
      `Route53 did not accept the node's credentials for ${action} (${code})`,
      "check the node's instance profile (or AWS_* credentials) and that its clock is in sync",
    );
  if (code === "NoSuchHostedZone")
    return failure(
      "config",
      `Route53 ${action}: hosted zone ${zone ?? "(unnamed)"} does not exist (${code})`,
      "check the record's hostedZoneId in the cluster description: the id Route53 shows for the zone, such as Z0123456789ABCDEFGHIJ",
    );
  if (code === "NoSuchChange")
    return failure("cloud", `Route53 ${action}: it no longer knows change ${zone ?? ""} (${code})`, "retry the transition");
  if (code === "InvalidChangeBatch")
    return failure(
      "conflict",
      `Route53 refused ${action}: ${message} (${code})`,
      "the zone holds something the record cannot replace (an alias, a weighted or a CNAME record of that name): see the zone in the Route53 console",
    );
  if (code === "InvalidInput")
    return failure(
      "config",
      `Route53 refused ${action}: ${message} (${code})`,
      "check the record's name, type and TTL in the cluster description",
    );
  const transport = transportFailure("Route53", action, code, failure, "route53.amazonaws.com (NAT gateway, proxy)");
  if (transport) return transport;
  if (THROTTLING_CODES.has(code) || facts.status === 429)
    return failure(
      "cloud",
      `Route53 throttled ${action} until the transition deadline (${code})`,
      "Route53 allows 5 requests a second per account: something else in the account calls it heavily; retry, or raise timeouts.transition",
    );
  if (facts.status !== undefined && facts.status >= 500)
    return failure(
      "cloud",
      `Route53 failed ${action} with HTTP ${facts.status} until the transition deadline (${code})`,
      "Route53 is having trouble; retry the transition",
    );
  return failure(
    "cloud",
    `Route53 refused ${action}: ${message} (${code})`,
    "see Route53's message; the cluster description may name something Route53 cannot use",
  );
}
