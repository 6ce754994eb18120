import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { WorldSnapshot } from "../ec2-standin/snapshot";
import { Ec2World } from "../ec2-standin/world";
import { lookup, metadataOf } from "./metadata";
import { TokenBook, tokenHeader, ttlHeader } from "./tokens";
import { listenOn } from "../standin-http";

// The instance metadata service of one instance, IMDSv2 only (HttpTokens=required): a PUT for a
// token, then GETs that carry it; a GET without a valid token is 401, as on an instance where
// IMDSv1 is switched off. What it serves comes from the EC2 world at the moment of the request.
// Faults make it slow or silent, for clients that must not hang on a metadata call.

export type WorldSource = () => WorldSnapshot | Ec2World | Promise<WorldSnapshot>;

export interface ImdsServerOptions {
  instanceId: string;
  world: WorldSource;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface ImdsFaults {
  /** Every answer waits this long. */
  delayMs: number;
  /**
   * "token": token PUTs are never answered (as when the PUT response exceeds the hop limit);
   * "all": nothing is answered.
   */
  blackhole: "none" | "token" | "all";
  /**
   * GETs of this path (relative to /latest/, e.g. "meta-data/instance-id") answer 200 with `bytes`
   * bytes of filler, streamed only as fast as the client reads and cut short when it hangs up: a
   * broken or hostile metadata service, for clients that must bound what they read.
   */
  oversized?: { path: string; bytes: number };
}

export interface ImdsStats {
  tokenPuts: number;
  gets: number;
  /** GETs refused for a missing, unknown or expired token. */
  unauthorized: number;
  /** Filler bytes written for the `oversized` fault before the client hung up or the end. */
  oversizedBytes: number;
}

export interface ImdsServer {
  /** http://host:port, the value for AWS_EC2_METADATA_SERVICE_ENDPOINT. */
  url: string;
  readonly stats: ImdsStats;
  /** Change freely; applies to the next request. */
  faults: ImdsFaults;
  close(): Promise<void>;
}

const tokenPath = "/latest/api/token";
const controlPrefix = "/_standin/";

export async function startImdsServer(options: ImdsServerOptions): Promise<ImdsServer> {
  const tokens = new TokenBook();
  const stats: ImdsStats = { tokenPuts: 0, gets: 0, unauthorized: 0, oversizedBytes: 0 };
  const faults: ImdsFaults = { delayMs: 0, blackhole: "none" };
  const server = createServer((req, res) => {
    serve(req, res, { options, tokens, stats, faults }).catch((e: unknown) => reply(res, 500, `stand-in failure: ${(e as Error).message}`));
  });
  const host = options.host ?? "127.0.0.1";
  const port = await listenOn(server, host, options.port);
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    stats,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface ImdsState {
  options: ImdsServerOptions;
  tokens: TokenBook;
  stats: ImdsStats;
  faults: ImdsFaults;
}

async function serve(req: IncomingMessage, res: ServerResponse, state: ImdsState): Promise<void> {
  // Real IMDS tolerates doubled slashes (a client joining "/" and "/latest/…").
  const path = new URL(req.url ?? "/", "http://imds").pathname.replace(/\/{2,}/g, "/");
  const body = await drain(req);
  if (path.startsWith(controlPrefix)) return control(req.method ?? "GET", path.slice(controlPrefix.length), body, res, state);
  const { faults, stats, tokens } = state;
  if (faults.blackhole === "all" || (faults.blackhole === "token" && path === tokenPath)) return; // never answered
  if (faults.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.delayMs));

  if (path === tokenPath) {
    if (req.method !== "PUT") return reply(res, 405, "Method Not Allowed");
    stats.tokenPuts += 1;
    // A PUT relayed through a proxy is refused, so tokens cannot leak to other hosts.
    if (req.headers["x-forwarded-for"] !== undefined) return reply(res, 403, "Forbidden");
    const ttl = header(req, ttlHeader);
    const token = tokens.issue(ttl);
    if (token === undefined) return reply(res, 400, "Bad Request");
    return reply(res, 200, token, { [ttlHeader]: ttl! });
  }
  if (req.method !== "GET") return reply(res, 405, "Method Not Allowed");
  stats.gets += 1;
  if (!tokens.valid(header(req, tokenHeader))) {
    stats.unauthorized += 1;
    return reply(res, 401, "Unauthorized");
  }
  if (!path.startsWith("/latest/")) return reply(res, 404, "Not Found");
  if (faults.oversized && path === `/latest/${faults.oversized.path}`) return stream(res, faults.oversized.bytes, stats);
  const world = await state.options.world();
  const metadata = metadataOf(world instanceof Ec2World ? world.snapshot() : world, state.options.instanceId);
  const value = metadata && lookup(metadata, path.slice("/latest/".length));
  if (value === undefined) return reply(res, 404, "Not Found");
  reply(res, 200, value);
}

/** GET stats, POST faults ({ delayMs?, blackhole? }), for a stand-in running in another process. */
function control(method: string, route: string, body: string, res: ServerResponse, state: ImdsState): void {
  if (method === "GET" && route === "stats") return json(res, 200, state.stats);
  if (method === "POST" && route === "faults") {
    try {
      const wanted = JSON.parse(body || "{}") as Partial<ImdsFaults>;
      if (wanted.delayMs !== undefined) state.faults.delayMs = wanted.delayMs;
      if (wanted.blackhole !== undefined) state.faults.blackhole = wanted.blackhole;
      if ("oversized" in wanted) state.faults.oversized = wanted.oversized ?? undefined;
      return json(res, 200, state.faults);
    } catch (e) {
      return json(res, 400, { error: (e as Error).message });
    }
  }
  json(res, 404, { error: `no control route ${method} ${route}` });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function reply(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "text/plain", ...headers });
  res.end(text);
}

/** `bytes` bytes of "0", never all in memory: a chunk at a time, each after the client took the last. */
function stream(res: ServerResponse, bytes: number, stats: ImdsStats): void {
  const chunk = Buffer.alloc(64 * 1024, "0");
  let left = bytes;
  res.writeHead(200, { "content-type": "text/plain" });
  const more = () => {
    while (left > 0 && !res.destroyed) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      stats.oversizedBytes += piece.length;
      if (!res.write(piece)) return void res.once("drain", more);
    }
    res.end();
  };
  res.once("close", () => res.removeListener("drain", more));
  more();
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

function drain(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.length < 64 && chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
