import { AwsHaError, type ErrorKind } from "../../errors";
import { oneLine } from "../../log";
import { factsOf, transportFailure } from "../aws-failure";
import type { AssumedRole } from "./acting-role";

// STS's answers to AssumeRole, and the transport's failures on the way to it, as AwsHaErrors whose
// fix names what an operator checks: the role, its trust policy, the external id, the node's own
// credentials. Every resource that acts as the role fails with it.

const TRUST_REFUSALS = new Set(["AccessDenied", "AccessDeniedException"]);
const SOURCE_REFUSALS = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "UnrecognizedClientException",
]);

export function assumeRoleFailure(role: AssumedRole, error: unknown): AwsHaError {
  if (error instanceof AwsHaError) return error;
  const who = `role ${role.roleArn}`;
  const external = role.externalId
    ? "the external id in the description (assumeRole.externalId) must be the one its sts:ExternalId condition names"
    : "if its trust policy has an sts:ExternalId condition, give that id as assumeRole.externalId";
  const facts = factsOf(error);
  if (!facts) {
    // The SDK's credential chain found no credentials of the node's own to ask STS with.
    const text = oneLine(error instanceof Error ? error.message : String(error), 300);
    return new AwsHaError(
      "permission",
      `cannot assume ${who}: ${text}`,
      {
        fix: "the node's own credentials (its instance profile, or AWS_* in the environment) sign the AssumeRole call: make sure the node has them",
      },
      { cause: error },
    );
  }
  const code = oneLine(facts.code, 80);
  const answer = { awsCode: code, requestId: facts.requestId, httpStatus: facts.status };
  const failure = (kind: ErrorKind, text: string, fix: string) => new AwsHaError(kind, text, { ...answer, fix }, { cause: error });
  if (TRUST_REFUSALS.has(code))
    return failure(
      "permission",
      `STS refused to let this node assume ${who} (${code})`,
      `the trust policy of ${role.roleArn} must allow the nodes' role to call sts:AssumeRole, the nodes' policy must grant sts:AssumeRole on it, and ${external} (aws-ha-gen iam-policy prints all three)`,
    );
  if (SOURCE_REFUSALS.has(code))
    return failure(
      "permission",
      `STS did not accept the node's own credentials to assume ${who} (${code})`,
      "check the node's instance profile (or AWS_* credentials) and that its clock is in sync",
    );
  if (code === "RegionDisabledException")
    return failure(
      "config",
      `STS is not enabled in this region, so ${who} cannot be assumed here (${code})`,
      "activate STS for the region in the role's account (IAM → Account settings)",
    );
  if (code === "ValidationError" || code === "MalformedPolicyDocument" || code === "MalformedPolicyDocumentException")
    return failure(
      "config",
      `STS refused the request to assume ${who}: ${oneLine(facts.message, 300)} (${code})`,
      "check assumeRole.roleArn and assumeRole.externalId in the cluster description",
    );
  const transport = transportFailure(
    "STS",
    `AssumeRole of ${role.roleArn}`,
    code,
    failure,
    "the STS endpoint (sts.REGION.amazonaws.com, a VPC endpoint, AWS_ENDPOINT_URL_STS)",
  );
  if (transport) return transport;
  return failure(
    "cloud",
    `STS failed to let this node assume ${who}: ${oneLine(facts.message, 300)} (${code})`,
    "see the log; retry the transition",
  );
}
