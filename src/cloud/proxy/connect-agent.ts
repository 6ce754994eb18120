import { Agent as HttpAgent, type AgentOptions, type ClientRequestArgs } from "node:http";
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions, type RequestOptions } from "node:https";
import { isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import { openTunnel } from "./connect-tunnel";
import { routeFor, type ProxySettings } from "./proxy-settings";

// The agents of the AWS clients when a proxy variable is set. Node's agents pool connections by
// endpoint (host:port) and ask createConnection for a new one only when none is free; these two
// answer it with a CONNECT tunnel through the proxy the environment names for that endpoint (or a
// direct connection when NO_PROXY lists it). The pool is unchanged: a tunnelled connection is kept
// alive and reused like a direct one, so the resident reader's warm connection stays warm and one
// transition's calls share one tunnel. http endpoints are tunnelled too, not forwarded with absolute
// URIs: one mechanism, and the proxy never sees a request, only bytes.

/** Node's agents always pass it: a tunnel is ready only later, so its socket is given here, not returned. */
type Created = (err: Error | null, stream: Duplex) => void;
/** What goes with an error: Node's agent reads no socket then (its type wants one). */
const noSocket = undefined as unknown as Duplex;

export interface TunnelOptions {
  proxies: ProxySettings;
  /** Bound on reaching the proxy and its answer to CONNECT (the description's timeouts.connect). */
  connectTimeoutMs: number;
}

/** Agent for http:// endpoints: HTTP straight over the tunnel. */
export class ConnectHttpAgent extends HttpAgent {
  constructor(
    private readonly tunnel: TunnelOptions,
    options: AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: ClientRequestArgs, created?: Created): Duplex | null | undefined {
    const { host, port } = endpointOf(options, 80);
    const route = routeFor(this.tunnel.proxies, "http:", host, port);
    if (!("via" in route)) return super.createConnection(options, created);
    openTunnel(route.via, host, port, this.tunnel.connectTimeoutMs).then(
      (socket) => created?.(null, socket),
      (error: Error) => created?.(error, noSocket),
    );
    return undefined;
  }
}

/** Agent for https:// endpoints: TLS to the endpoint, inside the tunnel, checked against the endpoint's name. */
export class ConnectHttpsAgent extends HttpsAgent {
  constructor(
    private readonly tunnel: TunnelOptions,
    options: HttpsAgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: RequestOptions, created?: Created): Duplex | null | undefined {
    const { host, port } = endpointOf(options, 443);
    const route = routeFor(this.tunnel.proxies, "https:", host, port);
    if (!("via" in route)) return super.createConnection(options, created);
    openTunnel(route.via, host, port, this.tunnel.connectTimeoutMs).then(
      (socket: Socket) => {
        // The agent's options carry what node:https would give tls.connect (servername for SNI, CA,
        // checkServerIdentity); only the transport differs. The name checked is the endpoint's.
        const servername = isIP(host) ? undefined : options.servername || host;
        const secure = tlsConnect({ ...(options as ConnectionOptions), host, port, socket, servername });
        secure.once("close", () => socket.destroy());
        created?.(null, secure);
      },
      (error: Error) => created?.(error, noSocket),
    );
    return undefined;
  }
}

function endpointOf(options: ClientRequestArgs, defaultPort: number): { host: string; port: number } {
  const raw = options.host ?? options.hostname ?? "localhost";
  const host = raw.startsWith("[") && raw.endsWith("]") ? raw.slice(1, -1) : raw;
  const port = options.port === undefined || options.port === null || options.port === "" ? defaultPort : Number(options.port);
  return { host, port };
}
