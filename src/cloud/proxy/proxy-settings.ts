import { bypassesProxy, parseNoProxy, type NoProxy } from "./no-proxy";
import { parseProxyUrl, type ProxyServer } from "./proxy-url";

// Which proxy, if any, a call to an AWS endpoint goes through, read from the environment as curl
// reads it, so that a node where `curl https://ec2.eu-west-1.amazonaws.com` works reaches AWS the
// same way:
// - https endpoints: https_proxy, else HTTPS_PROXY, else all_proxy, else ALL_PROXY;
// - http endpoints (a stand-in, a plain-HTTP VPC endpoint): http_proxy, else all_proxy, else
//   ALL_PROXY. HTTP_PROXY is never read, as curl never reads it: a CGI program receives a request's
//   `Proxy:` header as HTTP_PROXY ("httpoxy"), so the upper-case name cannot be trusted to be the
//   operator's. `check` says when it is set and ignored;
// - no_proxy, else NO_PROXY, lists the hosts that go direct (see no-proxy.ts);
// - lower case wins where both cases are set; an empty value counts as unset.
// The instance metadata service is never a caller of this: it is reached over node:http directly
// (src/cloud/imds.ts), as a proxy cannot answer for the instance it does not run on.

export interface ProxyChoice {
  server: ProxyServer;
  /** The variable it came from, for messages: `HTTPS_PROXY`. */
  variable: string;
}

export interface ProxySettings {
  https?: ProxyChoice;
  http?: ProxyChoice;
  noProxy: NoProxy;
  /** no_proxy or NO_PROXY, when one is set. */
  noProxyVariable?: string;
  /** HTTP_PROXY when it is set: not read, for the reason above. */
  ignored: string[];
}

/** The route of a connection: through a proxy, or direct and why. */
export type ProxyRoute = { via: ProxyChoice } | { direct: "no proxy variable" | "NO_PROXY"; variable?: string };

/**
 * The proxy settings of an environment. Throws an AwsHaError (usage, exit 2) naming the variable
 * when one that would be used is not a proxy URL: read once when a client is made, before any call,
 * so a wrong setting changes nothing.
 */
export function proxySettingsFrom(env: NodeJS.ProcessEnv): ProxySettings {
  const first = (...names: string[]) => names.find((name) => (env[name] ?? "") !== "");
  const choice = (name: string | undefined): ProxyChoice | undefined =>
    name === undefined ? undefined : { server: parseProxyUrl(name, env[name]!), variable: name };
  const noProxyVariable = first("no_proxy", "NO_PROXY");
  const https = choice(first("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"));
  const http = choice(first("http_proxy", "all_proxy", "ALL_PROXY"));
  return {
    ...(https ? { https } : {}),
    ...(http ? { http } : {}),
    noProxy: parseNoProxy(noProxyVariable === undefined ? undefined : env[noProxyVariable]),
    ...(noProxyVariable ? { noProxyVariable } : {}),
    ignored: (env.HTTP_PROXY ?? "") !== "" ? ["HTTP_PROXY"] : [],
  };
}

/** True when some proxy variable is set at all: otherwise clients keep the plain agents. */
export function anyProxy(settings: ProxySettings): boolean {
  return settings.https !== undefined || settings.http !== undefined;
}

/** How a connection to host:port over `protocol` ("https:" or "http:") goes. */
export function routeFor(settings: ProxySettings, protocol: string, host: string, port: number): ProxyRoute {
  const choice = protocol === "https:" ? settings.https : settings.http;
  if (!choice) return { direct: "no proxy variable" };
  if (bypassesProxy(settings.noProxy, host, port)) return { direct: "NO_PROXY", variable: settings.noProxyVariable };
  return { via: choice };
}

/** How a route is said in `check` and logs: `via http://proxy.corp:3128 (HTTPS_PROXY)`, never with credentials. */
export function describeRoute(route: ProxyRoute): string {
  if ("via" in route) return `via ${route.via.server.shown} (${route.via.variable})`;
  return route.direct === "NO_PROXY" ? `direct (${route.variable ?? "NO_PROXY"})` : "direct (no proxy variable set)";
}
