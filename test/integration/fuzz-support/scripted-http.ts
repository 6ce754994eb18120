import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import fc from "fast-check";

// A loopback HTTP server that answers from a script: for each kind of request, the answers to give
// in turn (the last one repeats). Answers are what a broken proxy, a wrong endpoint or a dying
// service sends: any status, any body, a body cut short, a body dripped slowly, a flood of bytes,
// raw garbage instead of HTTP, a hang-up, or silence. Everything is bounded: a drip ends, a flood
// stops at its size, and stop() drops every connection still open.

export type Answer =
  | { kind: "reply"; status: number; body: string; contentType?: string }
  | { kind: "truncated"; status: number; body: string; claimed: number }
  | { kind: "drip"; status: number; body: string; pieces: number; gapMs: number }
  | { kind: "flood"; status: number; bytes: number }
  | { kind: "garbage"; bytes: string }
  | { kind: "hangup" }
  | { kind: "silent" };

export type Script = Record<string, Answer[]>;

/** What the server saw of one flood: whether it got all its bytes out before the client hung up. */
export interface FloodRecord {
  bytes: number;
  completed: boolean;
}

export class ScriptedServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly served = new Map<string, number>();
  readonly floods: FloodRecord[] = [];
  requests = 0;

  constructor(
    private readonly script: Script,
    /** The script key of a request (its kind: "token", "instance-id", an EC2 action…). */
    private readonly keyOf: (req: IncomingMessage, body: string) => string,
  ) {
    this.server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body = body.length < 1 << 20 ? body + chunk : body));
      req.on("end", () => this.answer(req, res, body));
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      socket.on("error", () => undefined);
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const address = this.server.address();
    if (!address || typeof address === "string") throw new Error("no port");
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private next(key: string): Answer {
    const answers = this.script[key] ?? this.script["*"] ?? [{ kind: "reply", status: 404, body: "" }];
    const n = this.served.get(key) ?? 0;
    this.served.set(key, n + 1);
    return answers[Math.min(n, answers.length - 1)]!;
  }

  private later(ms: number, action: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      action();
    }, ms);
    this.timers.add(t);
  }

  private answer(req: IncomingMessage, res: ServerResponse, body: string): void {
    this.requests++;
    const a = this.next(this.keyOf(req, body));
    res.on("error", () => undefined);
    switch (a.kind) {
      case "reply":
        res.writeHead(a.status, { "content-type": a.contentType ?? "text/plain" }).end(a.body);
        return;
      case "truncated":
        res.writeHead(a.status, { "content-length": String(Buffer.byteLength(a.body) + a.claimed) });
        res.write(a.body);
        this.later(5, () => req.socket.destroy());
        return;
      case "drip": {
        res.writeHead(a.status, { "content-type": "text/plain" });
        const size = Math.max(1, Math.ceil(a.body.length / a.pieces));
        const send = (from: number) => {
          if (res.destroyed) return;
          if (from >= a.body.length) return void res.end();
          res.write(a.body.slice(from, from + size));
          this.later(a.gapMs, () => send(from + size));
        };
        send(0);
        return;
      }
      case "flood": {
        const record: FloodRecord = { bytes: a.bytes, completed: false };
        this.floods.push(record);
        res.writeHead(a.status, { "content-type": "text/plain" });
        const chunk = Buffer.alloc(64 * 1024, "a");
        let sent = 0;
        const pump = () => {
          while (sent < a.bytes && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          if (!res.destroyed) res.end(() => (record.completed = true));
        };
        res.on("close", () => res.removeAllListeners("drain"));
        pump();
        return;
      }
      case "garbage":
        req.socket.end(a.bytes);
        return;
      case "hangup":
        req.socket.destroy();
        return;
      case "silent":
        return;
    }
  }
}

const statusCode = fc.oneof(
  { weight: 6, arbitrary: fc.constant(200) },
  { weight: 3, arbitrary: fc.constantFrom(201, 204, 301, 302, 304, 400, 401, 403, 404, 405, 408, 429, 500, 502, 503, 504) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 599 }) },
);

/** Every kind of answer, its body drawn from `body` (realistic values and junk, as the caller sees fit). */
export function answer(body: fc.Arbitrary<string>, options: { maxDripMs: number; floodBytes: number }): fc.Arbitrary<Answer> {
  return fc.oneof(
    { weight: 40, arbitrary: fc.record({ kind: fc.constant("reply" as const), status: statusCode, body }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("truncated" as const),
        status: statusCode,
        body,
        claimed: fc.integer({ min: 1, max: 1 << 20 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("drip" as const),
        status: statusCode,
        body,
        pieces: fc.integer({ min: 2, max: 6 }),
        gapMs: fc.integer({ min: 1, max: Math.max(1, Math.floor(options.maxDripMs / 6)) }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("flood" as const), status: fc.constant(200), bytes: fc.constant(options.floodBytes) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("garbage" as const),
        bytes: fc.oneof(
          fc.constantFrom("HTTP/1.1 200\r\n\r\n", "HTTP/9.9 abc\r\n", "\u0000\u0001\u0002", "SSH-2.0-OpenSSH\r\n"),
          fc.string({ unit: "binary-ascii", maxLength: 40 }),
        ),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: "hangup" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "silent" as const }) },
  );
}

/** One or two answers for a kind of request: the first request gets the first, a retry the next. */
export function answers(one: fc.Arbitrary<Answer>): fc.Arbitrary<Answer[]> {
  return fc.array(one, { minLength: 1, maxLength: 2 });
}

/** A script as it prints in a failure report: answers with their bodies cut short. */
export function describeScript(script: Script): string {
  return JSON.stringify(script, (_k, v: unknown) =>
    typeof v === "string" && v.length > 400 ? `${v.slice(0, 300)}…(${v.length} chars)` : v,
  );
}
