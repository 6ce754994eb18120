import { refusalText } from "../cloud/ec2-errors";
import type { Refusal } from "../cloud/ec2-port";
import { AwsHaError } from "../errors";
import { errorText } from "../log";
import type { Finding } from "./finding";
import type { Probe, ProbePort } from "./permission-table";

// EC2 answers a DryRun in one of three ways: DryRunOperation (the permission is there),
// UnauthorizedOperation (it is not), or a refusal of the request itself — an id it does not know, a
// route that does not exist yet — which it may give before it answers for the permission at all, so
// a refusal proves neither. Only a denial is a failure. These are the words every permission line of
// `check` is written in, whichever kind's probe asked.

export interface Refused extends Refusal {
  topic: string;
}

export const isRefusal = (answer: Finding | Refused): answer is Refused => "code" in answer;

/** One DryRun, as a finding, or as the refusal it met. */
export async function ask(ec2: ProbePort, { topic, request }: Pick<Probe, "topic" | "request">): Promise<Finding | Refused> {
  let answer;
  try {
    answer = await ec2.dryRun(request);
  } catch (e) {
    return notAnswered(topic, e);
  }
  if (answer === "allowed") return ok(topic, "allowed (DryRun)");
  if (answer === "denied") return denied(topic, request.action);
  return { topic, ...answer };
}

/** A probe that met something other than EC2's three answers: only refused credentials are seen as a denial. */
export function notAnswered(topic: string, e: unknown, action?: string): Finding {
  if (e instanceof AwsHaError && e.kind === "permission")
    return e.details.awsCode === "UnauthorizedOperation" && action ? denied(topic, action) : fail(topic, `denied: ${errorText(e)}`);
  return warn(topic, errorText(e));
}

export function unproven(topic: string, refusal: Refusal): Finding {
  const hint = refusal.code.endsWith(".NotFound")
    ? "check the ids in the cluster description: they must exist in this node's region and account"
    : "see EC2's message";
  return warn(
    topic,
    `EC2 refused the request instead of answering for the permission: ${refusalText(refusal.code, refusal.message)}; ${hint}`,
  );
}

export const ok = (topic: string, message: string): Finding => ({ verdict: "ok", topic: "permission", message: `${topic} ${message}` });
export const warn = (topic: string, why: string): Finding => ({
  verdict: "warn",
  topic: "permission",
  message: `${topic} not proven: ${why}`,
});
const fail = (topic: string, message: string): Finding => ({
  verdict: "fail",
  topic: "permission",
  message: `${topic} ${message}`,
  kind: "permission",
});
const denied = (topic: string, action: string): Finding =>
  fail(topic, `denied: add ec2:${action} to the node's role (aws-ha-gen iam-policy)`);
