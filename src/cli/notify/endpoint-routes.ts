import { awsEndpoints, proxyFindings } from "../../check/proxy-findings";
import { proxySettingsFrom } from "../../cloud/proxy/proxy-settings";
import type { Ports } from "../../transition/runner";

// `show` and `--dry-run` say how the AWS endpoints are reached when the environment names a proxy:
// the same lines as `check` (`EC2 https://ec2.eu-west-1.amazonaws.com via http://proxy:3128
// (https_proxy)`), so an operator who reads a plan also sees that its calls go through the proxy, or
// that NO_PROXY sends one endpoint direct. Without a proxy variable nothing is said, and the output
// stays as it always was.

/** One line per endpoint of the description, or none when no proxy variable (nor an ignored HTTP_PROXY) is set. */
export async function endpointRouteLines(ports: Ports, env: NodeJS.ProcessEnv): Promise<string[]> {
  let named: boolean;
  try {
    const settings = proxySettingsFrom(env);
    named = settings.https !== undefined || settings.http !== undefined || settings.ignored.length > 0;
  } catch {
    // A variable that is not a proxy URL stopped the command already, when its first client was made.
    return [];
  }
  if (!named) return [];
  const { description } = ports;
  // By now the command has asked IMDS for the node's identity: this reads what the port kept.
  const region = description.region ?? (await ports.imds.identity()).region;
  return proxyFindings(awsEndpoints(description, region, env), env).map((f) => f.message);
}

/** The lines as a block of their own, under a heading: "" when there are none. */
export function endpointRouteBlock(lines: readonly string[]): string {
  return lines.length === 0 ? "" : `AWS endpoints:\n${lines.map((l) => `  ${l}\n`).join("")}`;
}
