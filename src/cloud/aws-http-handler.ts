import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { ClusterDescription } from "../cluster/schema";

// The one way every AWS client of aws-ha (EC2, Route53, STS) reaches its endpoint, so that the
// transport's rules (timeouts that really end a call, connections kept and dropped on our terms)
// are written once and hold for each service alike.

/** How long an unused connection is kept open; the resident FIFO reader calls more often than this while idle. */
export const idleConnectionMs = 50_000;

export function awsHttpHandler(timeouts: ClusterDescription["timeouts"]): NodeHttpHandler {
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
    httpAgent: { keepAlive: true, timeout: idleConnectionMs },
    httpsAgent: { keepAlive: true, timeout: idleConnectionMs },
  });
}
