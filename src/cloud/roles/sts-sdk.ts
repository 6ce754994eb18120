import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { ClusterDescription } from "../../cluster/schema";
import { AwsHaError } from "../../errors";
import { awsHttpHandler } from "../aws-http-handler";
import { collectBody } from "../collect-body";
import type { AssumedRole } from "./acting-role";
import type { TemporaryCredentials } from "./role-credentials";
import { assumeRoleFailure } from "./sts-errors";

// STS through the AWS SDK, imported only by a cluster whose description names a role (see
// src/session/role-ports.ts): every other cluster starts without it. The endpoint is the SDK's
// business, as for EC2: the region's own STS endpoint, or AWS_ENDPOINT_URL_STS (a VPC endpoint, a
// stand-in). The node's own credentials (the SDK's chain: instance profile, AWS_* env) sign the call.

/** How long the role's keys live; they are renewed five minutes before (role-credentials.ts). An hour is every role's default maximum. */
export const sessionSeconds = 3600;

export function createStsClient(options: { region: string; timeouts: ClusterDescription["timeouts"] }): STSClient {
  return new STSClient({
    region: options.region,
    // Throttling, 5xx and the network are retried by the SDK's standard strategy; a refusal is not.
    maxAttempts: 3,
    retryMode: "standard",
    requestHandler: awsHttpHandler(options.timeouts),
    streamCollector: collectBody,
  });
}

/** One AssumeRole: the role's temporary keys, or the AwsHaError that says what to fix. */
export async function assumeRole(client: STSClient, role: AssumedRole, sessionName: string): Promise<TemporaryCredentials> {
  try {
    const out = await client.send(
      new AssumeRoleCommand({
        RoleArn: role.roleArn,
        RoleSessionName: sessionName,
        DurationSeconds: sessionSeconds,
        ...(role.externalId !== undefined ? { ExternalId: role.externalId } : {}),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
      throw new AwsHaError("cloud", `STS answered AssumeRole of ${role.roleArn} without the role's credentials`, {
        fix: "something other than STS answered: check the STS endpoint the node uses (AWS_ENDPOINT_URL_STS, a VPC endpoint)",
      });
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  } catch (e) {
    throw assumeRoleFailure(role, e);
  }
}
