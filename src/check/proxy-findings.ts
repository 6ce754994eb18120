import { describeRoute, proxySettingsFrom, routeFor, type ProxySettings } from "../cloud/proxy/proxy-settings";
import { rolesNamed } from "../cloud/roles/acting-role";
import type { ClusterDescription } from "../cluster/schema";
import type { Finding } from "../kinds/finding";
import { errorText } from "../log";

// `check`'s lines about proxies: for each AWS endpoint the node calls, whether it goes through a
// proxy (which one, chosen by which variable) or direct (and why), as the clients will decide it
// for each connection. Said only when the environment names a proxy or NO_PROXY at all: a node
// without one reaches AWS directly and has nothing to check here. Credentials are never shown.

/** An AWS service the node calls, and the URL its client connects to. */
export interface AwsEndpoint {
  service: string;
  url: string;
}

/**
 * The endpoints of a description: EC2 of its region (or AWS_ENDPOINT_URL_EC2, as the SDK reads it),
 * Route53 when it has records, STS of the region when it names roles. Each entry gets its line.
 */
export function awsEndpoints(description: ClusterDescription, region: string, env: NodeJS.ProcessEnv): AwsEndpoint[] {
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  const endpoints: AwsEndpoint[] = [
    { service: "EC2", url: env.AWS_ENDPOINT_URL_EC2 || env.AWS_ENDPOINT_URL || `https://ec2.${region}.${suffix}` },
  ];
  if (description.resources.some((r) => r.kind === "record"))
    endpoints.push({ service: "Route53", url: env.AWS_ENDPOINT_URL_ROUTE_53 || env.AWS_ENDPOINT_URL || `https://route53.${suffix}` });
  if (rolesNamed(description).length > 0)
    endpoints.push({ service: "STS", url: env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL || `https://sts.${region}.${suffix}` });
  return endpoints;
}

export function proxyFindings(endpoints: readonly AwsEndpoint[], env: NodeJS.ProcessEnv): Finding[] {
  let settings: ProxySettings;
  try {
    settings = proxySettingsFrom(env);
  } catch (e) {
    return [{ verdict: "fail", topic: "proxy", message: errorText(e), kind: "usage" }];
  }
  const named = settings.https || settings.http || settings.noProxyVariable || settings.ignored.length > 0;
  if (!named) return [];
  const findings: Finding[] = endpoints.map(({ service, url }) => {
    let endpoint: URL;
    try {
      endpoint = new URL(url);
    } catch {
      return { verdict: "warn", topic: "proxy", message: `${service} ${url} is not a URL: the client decides how it connects` };
    }
    const port = endpoint.port !== "" ? Number(endpoint.port) : endpoint.protocol === "https:" ? 443 : 80;
    const route = routeFor(settings, endpoint.protocol, endpoint.hostname, port);
    return { verdict: "ok", topic: "proxy", message: `${service} ${endpoint.origin} ${describeRoute(route)}` };
  });
  const plainHttp = endpoints.some(({ url }) => url.startsWith("http://"));
  if (settings.ignored.length > 0 && plainHttp && !settings.http)
    findings.push({
      verdict: "warn",
      topic: "proxy",
      message:
        "HTTP_PROXY is set and not read (as curl does not: a CGI request's Proxy header arrives under that name); set http_proxy for http endpoints",
    });
  return findings;
}
