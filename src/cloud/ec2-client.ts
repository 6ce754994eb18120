import { EC2Client, type EC2ClientConfig } from "@aws-sdk/client-ec2";
import { awsHttpHandler } from "./aws-http-handler";
import { collectBody } from "./collect-body";
import type { ClusterDescription } from "../cluster/schema";

// Every failover builds one of these, so it stays cheap: no credential look-up, no request, until
// the first call. The endpoint is the SDK's own business: AWS_ENDPOINT_URL_EC2 (or AWS_ENDPOINT_URL)
// points it at a VPC endpoint or a test stand-in.

/**
 * Four attempts: the SDK's standard strategy retries throttling (RequestLimitExceeded…), 5xx, timeouts
 * and network errors with jittered exponential backoff, and never an ordinary 4xx such as
 * UnauthorizedOperation. The transition deadline's abort signal bounds the whole call on top.
 */
export const MAX_ATTEMPTS = 4;

export function createEc2Client(options: {
  region: string;
  timeouts: ClusterDescription["timeouts"];
  /** Only for tests and tools; nodes use the SDK's chain (instance profile, AWS_* env). */
  credentials?: EC2ClientConfig["credentials"];
  /** 1 for calls whose every attempt must be preceded by a check of our own (see SdkEc2.deleteRouteTo). */
  maxAttempts?: number;
}): EC2Client {
  const { region, timeouts, credentials } = options;
  return new EC2Client({
    region,
    maxAttempts: options.maxAttempts ?? MAX_ATTEMPTS,
    retryMode: "standard",
    requestHandler: awsHttpHandler(timeouts),
    streamCollector: collectBody,
    ...(credentials ? { credentials } : {}),
  });
}
