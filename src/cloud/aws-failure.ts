import type { AwsHaError, ErrorKind } from "../errors";
import { oneLine } from "../log";

// What every AWS service's failures share, whichever client threw them: the SDK's shapes (a code in
// `error.name`, the HTTP status and request id in `$metadata`), the network's error codes, and the
// transport failures (the deadline, the SDK's timeout, no route) that say the same for EC2 and Route53.

/** What the SDK gives us about a failed call, whatever threw it. */
export interface FailureFacts {
  code: string;
  message: string;
  status?: number;
  /** EC2's id for the request (from its answer), which AWS support asks for. */
  requestId?: string;
  /** Set when the answer was not EC2's: why the SDK could not read it as EC2's XML. */
  foreign?: string;
}

export const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
/** What the SDK says about a failed call, or undefined when the error is not the SDK's. */
export function factsOf(error: unknown): FailureFacts | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as Error & {
    code?: unknown;
    $metadata?: { httpStatusCode?: number; requestId?: string };
    $fault?: unknown;
    cause?: unknown;
  };
  // The SDK may attach $metadata to transport failures too, so those are recognised first. Its
  // request timeout carries code ETIMEDOUT as well: the name says which it is.
  if (e.name === "AbortError" || e.name === "TimeoutError") return { code: e.name, message: e.message };
  if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return { code: e.code, message: e.message };
  // Node's HTTP parser refused the answer (HPE_INVALID_CONSTANT…): whatever answered does not speak HTTP.
  if (typeof e.code === "string" && e.code.startsWith("HPE_"))
    return { code: e.code, message: e.message, foreign: oneLine(e.message.split("\n")[0] ?? "", 200) };
  const status = e.$metadata?.httpStatusCode;
  // Words from the answer, like the code: bounded, and escaped where they are printed.
  const requestId = typeof e.$metadata?.requestId === "string" ? oneLine(e.$metadata.requestId, 128) : undefined;
  // The SDK's deserializer could not read the answer (a proxy's page, JSON, XML that is not EC2's):
  // it keeps the answer as $response and sets no $fault, which every service error has.
  if (e.$fault === undefined && "$response" in e)
    return { code: e.name, message: e.message, status, requestId, foreign: oneLine(e.message.split("\n")[0] ?? "", 200) };
  // An error envelope without a code: the SDK names it "Unknown", and EC2 always gives one.
  if (e.$fault !== undefined && e.name === "Unknown" && status !== undefined && status >= 400 && status < 500 && status !== 429)
    return { code: e.name, message: e.message, status, requestId, foreign: "it names no error code" };
  // Service errors: the SDK sets name to EC2's code and keeps the HTTP status.
  if (e.$metadata !== undefined || e.$fault !== undefined) return { code: e.name, message: e.message, status, requestId };
  const cause = e.cause instanceof Error ? factsOf(e.cause) : undefined;
  return cause ?? undefined;
}

/** Builds the service's error from the facts it already read; see ec2-errors.ts. */
type Failure = (kind: ErrorKind, text: string, fix: string) => AwsHaError;

/**
 * The failure when it is the transport's rather than the service's answer: the transition deadline,
 * the SDK's request timeout, or the network. `endpoint` names what the node must reach.
 */
export function transportFailure(
  service: string,
  action: string,
  code: string,
  failure: Failure,
  endpoint: string,
): AwsHaError | undefined {
  if (code === "AbortError")
    return failure(
      "cloud",
      `${service} ${action} was cut short: the transition deadline passed`,
      "raise timeouts.transition in the cluster description, or see the log for the slow step",
    );
  if (code === "TimeoutError")
    return failure(
      "cloud",
      `${service} did not answer ${action} in time, even after retries (${code})`,
      `check the node's route to ${endpoint}, or raise timeouts.request`,
    );
  if (NETWORK_CODES.has(code))
    return failure("cloud", `cannot reach ${service} for ${action} (${code})`, `check the node's route and DNS to ${endpoint}`);
  return undefined;
}
