import { readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, readBody } from "../standin-http";
import { startRoute53Server, type Route53Server } from "../route53-standin/server";
import type { RecordSet, Route53WorldSpec } from "../route53-standin/zones";
import { closeOnSignal, parseArgs, port } from "./args";

// The Route53 stand-in as its own process, for the lab: it runs inside the lab's hub namespace
// beside EC2's and serves the nodes over the lab's cloud network; the lab, outside every namespace,
// reads the zones' records and the call log over a Unix socket (GET /_standin/health, /records,
// /calls), and changes a record as an operator would by hand (POST /_standin/records).

const usage = "route53-main --listen ADDR --port N --spec ZONES.json --control-socket PATH";

/** Every zone's record sets, zone by zone. */
export interface ZoneRecords {
  zoneId: string;
  records: RecordSet[];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), { listen: "127.0.0.1", port: "0", spec: undefined, "control-socket": undefined }, usage);
  const spec = JSON.parse(readFileSync(args.spec!, "utf8")) as Route53WorldSpec;
  const server = await startRoute53Server(spec, { host: args.listen!, port: port(args.port!, usage) });
  const socketPath = args["control-socket"]!;
  rmSync(socketPath, { force: true });
  const control = createServer((req, res) => {
    answerControl(req, res, server, spec).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(400, { "content-type": "text/plain" });
      res.end(`control request failed: ${(e as Error).message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    control.once("error", reject);
    control.listen(socketPath, () => resolve());
  });
  process.stdout.write(`Route53 stand-in listening on ${server.url} and ${socketPath}\n`);
  closeOnSignal(async () => {
    await closeServer(control);
    await server.close();
  });
}

/** A record set changed by hand: undefined values delete it. */
export interface RecordByHand {
  zoneId: string;
  set: RecordSet | { name: string; type: string; values: undefined };
}

async function answerControl(req: IncomingMessage, res: ServerResponse, server: Route53Server, spec: Route53WorldSpec): Promise<void> {
  const path = new URL(req.url ?? "/", "http://control").pathname;
  let body: unknown;
  if (req.method === "GET" && path === "/_standin/health") body = { ok: true };
  else if (req.method === "GET" && path === "/_standin/records")
    body = spec.zones.map((z): ZoneRecords => ({ zoneId: z.id, records: server.world.list(z.id, {}, 10_000).sets }));
  else if (req.method === "GET" && path === "/_standin/calls") body = server.calls.all();
  else if (req.method === "POST" && path === "/_standin/records") {
    const change = JSON.parse(await readBody(req)) as RecordByHand;
    server.world.setRecord(change.zoneId, change.set);
    body = { ok: true };
  } else {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end(`no control route ${req.method} ${path}`);
    return;
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

main().catch((e: unknown) => {
  process.stderr.write(`Route53 stand-in failed to start: ${(e as Error).message}\n`);
  process.exit(1);
});
