import { createServer, connect, isIP, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

// A forward proxy that speaks only CONNECT, on loopback, for the tests of aws-ha behind a proxy. It
// counts the tunnels it opened (with their targets), can refuse every CONNECT with a status (407,
// 403, 502), or require a user and password (Basic). It opens tunnels only to loopback addresses:
// a test can never reach beyond this machine through it, whatever a client asks.

export interface ConnectProxyOptions {
  /** Answer every CONNECT with this status instead of opening the tunnel. */
  refuseWith?: number;
  /** Require `Proxy-Authorization: Basic` with this user and password (407 otherwise). */
  credentials?: { user: string; password: string };
  /** Names the proxy resolves itself, to loopback addresses (as a corporate proxy resolves AWS's names for nodes that cannot). */
  hosts?: Record<string, string>;
}

export interface Tunnel {
  /** host:port as the CONNECT asked for it. */
  target: string;
  /** The Proxy-Authorization the client sent, if any. */
  authorization?: string;
}

export interface ConnectProxy {
  /** http://127.0.0.1:PORT, for HTTPS_PROXY and friends. */
  url: string;
  port: number;
  /** Every CONNECT that got a tunnel, in order. */
  tunnels: Tunnel[];
  /** Every CONNECT the proxy received, tunnelled or refused. */
  requests: Tunnel[];
  close(): Promise<void>;
}

/** The longest request head the proxy reads. */
const maxHeadBytes = 16 * 1024;

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const tunnels: Tunnel[] = [];
  const requests: Tunnel[] = [];
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) {
        if (head.length > maxHeadBytes) client.destroy();
        return;
      }
      client.off("data", onData);
      client.pause();
      const lines = head.subarray(0, end).toString("latin1").split("\r\n");
      const request = /^CONNECT (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? "");
      const answer = (status: string) => client.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      if (!request) return answer("405 Method Not Allowed");
      const target = request[1]!;
      const authorization = lines
        .slice(1)
        .find((line) => /^proxy-authorization:/i.test(line))
        ?.replace(/^[^:]*:\s*/, "");
      const tunnel: Tunnel = { target, ...(authorization !== undefined ? { authorization } : {}) };
      requests.push(tunnel);
      if (options.refuseWith !== undefined) return answer(`${options.refuseWith} Refused By Test Proxy`);
      if (options.credentials) {
        const expected = `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString("base64")}`;
        if (authorization !== expected) return answer("407 Proxy Authentication Required");
      }
      const parsed = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
      const named = parsed?.[1];
      const host = named !== undefined ? (options.hosts?.[named] ?? named) : undefined;
      if (!host || !isLoopback(host)) return answer("403 Forbidden");
      const upstream = connect({ host, port: Number(parsed![2]) });
      track(upstream);
      upstream.once("connect", () => {
        tunnels.push(tunnel);
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        const rest = head.subarray(end + 4);
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        upstream.once("close", () => client.destroy());
        client.once("close", () => upstream.destroy());
      });
      upstream.once("error", () => {
        if (!tunnels.includes(tunnel)) answer("502 Bad Gateway");
      });
    };
    client.on("data", onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tunnels,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "localhost";
}
