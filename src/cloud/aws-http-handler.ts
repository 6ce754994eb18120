import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { ClusterDescription } from "../cluster/schema";
import { ConnectHttpAgent, ConnectHttpsAgent } from "./proxy/connect-agent";
import { anyProxy, proxySettingsFrom } from "./proxy/proxy-settings";

// The one way every AWS client of aws-ha (EC2, Route53, STS) reaches its endpoint, so that the
// transport's rules (timeouts that really end a call, connections kept and dropped on our terms)
// are written once and hold for each service alike. That includes the proxy the environment names
// (https_proxy, NO_PROXY…, read as curl reads them: src/cloud/proxy/): a malformed one is refused
// here, when the client is made and before its first call.

/** How long an unused connection is kept open; the resident FIFO reader calls more often than this while idle. */
export const idleConnectionMs = 50_000;

export function awsHttpHandler(timeouts: ClusterDescription["timeouts"], env: NodeJS.ProcessEnv = process.env): NodeHttpHandler {
  const proxies = proxySettingsFrom(env);
  const kept = { keepAlive: true, timeout: idleConnectionMs };
  // The same pool either way (the handler's own agents hold up to 50 connections per endpoint);
  // behind a proxy each new connection of the pool is a tunnel.
  const tunnel = { proxies, connectTimeoutMs: timeouts.connect * 1000 };
  const agents = anyProxy(proxies)
    ? {
        httpAgent: new ConnectHttpAgent(tunnel, { ...kept, maxSockets: 50 }),
        httpsAgent: new ConnectHttpsAgent(tunnel, { ...kept, maxSockets: 50 }),
      }
    : { httpAgent: kept, httpsAgent: kept };
  return new NodeHttpHandler({
    connectionTimeout: timeouts.connect * 1000,
    requestTimeout: timeouts.request * 1000,
    // Without throwOnRequestTimeout the SDK only logs a warning and the call can hang for ever.
    throwOnRequestTimeout: true,
    // Kept-alive connections let a resident reader's later calls skip the TCP and TLS set-up. An
    // idle one is dropped by us first: after idleConnectionMs, or a second before the server's
    // own Keep-Alive timeout when it announces one (Node's agent reads the hint only when a
    // timeout is set). The next call then opens a fresh connection instead of writing into one the
    // server is closing.
    ...agents,
  });
}
