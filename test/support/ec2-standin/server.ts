import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CallLog } from "./call-log";
import { control, controlPrefix } from "./control-api";
import { answer, callerOf } from "./dispatch";
import { Ec2Error } from "./errors";
import { Faults } from "./faults";
import { QueryRequest } from "./query";
import { Ec2World } from "./world";
import type { WorldSpec } from "./world-spec";
import { errorBody } from "./xml";
import { closeServer, pause, readBody } from "../standin-http";
import { signedWithExpiredKey } from "../sts-standin/issued-keys";

// The EC2 stand-in over HTTP: the Query protocol the real SDK speaks (form-encoded POST, XML back,
// EC2's error envelope and status codes), plus the control API under /_standin/. Signatures are
// not verified, but a request without an Authorization header fails AuthFailure, as EC2 fails an
// unsigned one, so a client that lost its credentials is caught.

export interface Ec2ServerOptions {
  spec: WorldSpec;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /**
   * Also serve on this Unix socket: a server running inside a network namespace stays reachable
   * from outside it through the file system.
   */
  controlSocket?: string;
}

export interface Ec2Server {
  /** http://host:port, for the SDK's `endpoint` and the control API. */
  url: string;
  world: Ec2World;
  faults: Faults;
  calls: CallLog;
  /** How many TCP connections clients have opened to the EC2 endpoint so far (kept-alive ones count once). */
  connections(): number;
  close(): Promise<void>;
}

export async function startEc2Server(options: Ec2ServerOptions): Promise<Ec2Server> {
  const world = new Ec2World(options.spec);
  const faults = new Faults();
  const calls = new CallLog();
  const waits = new Set<NodeJS.Timeout>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, { world, faults, calls, waits }).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`stand-in failure: ${(e as Error).message}`);
    });
  };
  const servers = [createServer(handler)];
  let connections = 0;
  servers[0]!.on("connection", () => (connections += 1));
  const host = options.host ?? "127.0.0.1";
  await listen(servers[0]!, (s, done) => s.listen(options.port ?? 0, host, done));
  if (options.controlSocket !== undefined) {
    const socketPath = options.controlSocket;
    rmSync(socketPath, { force: true });
    const local = createServer(handler);
    servers.push(local);
    await listen(local, (s, done) => s.listen(socketPath, done));
  }
  const { port } = servers[0]!.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    url,
    world,
    faults,
    calls,
    connections: () => connections,
    async close() {
      world.shutdown();
      for (const t of waits) clearTimeout(t);
      waits.clear();
      await Promise.all(servers.map(closeServer));
    },
  };
}

interface ServerState {
  world: Ec2World;
  faults: Faults;
  calls: CallLog;
  waits: Set<NodeJS.Timeout>;
}

async function handle(req: IncomingMessage, res: ServerResponse, state: ServerState): Promise<void> {
  closeWhenIdle(req, res, state.faults);
  const url = new URL(req.url ?? "/", "http://stand-in");
  const body = await readBody(req);
  if (url.pathname.startsWith(controlPrefix)) {
    const { status, json } = control(req.method ?? "GET", url, body, state);
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(json));
    return;
  }
  const arrived = Date.now();
  const request = new QueryRequest(req.method === "GET" ? url.search.slice(1) : body);
  state.calls.arrival(request.action);
  const requestId = randomUUID();
  const authorization = req.headers.authorization;
  let status: number;
  let xml: string;
  let error: string | undefined;
  let caller: string | undefined;
  if (!authorization) {
    const failure = new Ec2Error("AuthFailure", "AWS was not able to validate the provided access credentials", 401);
    [status, xml, error] = [failure.status, errorBody(failure.code, failure.message, requestId), failure.code];
  } else if (signedWithExpiredKey(authorization)) {
    // A role's temporary key past its expiry: EC2 refuses the request before looking at it.
    const failure = new Ec2Error("RequestExpired", "Request has expired.", 400);
    [status, xml, error] = [failure.status, errorBody(failure.code, failure.message, requestId), failure.code];
  } else {
    await pause(state.faults.latencyFor(request.action), state.waits);
    const signer = callerOf(authorization, state.world.accountId);
    caller = signer.principal;
    const result = answer(state.world, state.faults, request, signer, requestId);
    [status, xml, error] = [result.status, result.body, result.error];
  }
  state.calls.record({
    at: arrived,
    action: request.action,
    ...(error === undefined ? {} : { error }),
    instanceIds: request.instanceIds(),
    params: { ...request.params },
    ...(caller === undefined ? {} : { caller }),
    dryRun: request.get("DryRun") === "true",
    durationMs: Date.now() - arrived,
  });
  res.writeHead(status, { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": requestId });
  res.end(xml);
}

const idleTimers = new WeakMap<object, NodeJS.Timeout>();

/** The idle-close fault: once this answer is sent, the connection is closed unless another request comes within the time. */
function closeWhenIdle(req: IncomingMessage, res: ServerResponse, faults: Faults): void {
  const socket = req.socket;
  clearTimeout(idleTimers.get(socket));
  res.once("finish", () => {
    const ms = faults.idleCloseMs();
    if (ms === undefined || socket.destroyed) return;
    const timer = setTimeout(() => socket.destroy(), ms);
    timer.unref();
    idleTimers.set(socket, timer);
  });
}

function listen(server: Server, start: (s: Server, done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    start(server, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
