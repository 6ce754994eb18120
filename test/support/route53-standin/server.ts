import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Route53CallLog } from "./call-log";
import { Route53Error } from "./errors";
import { Route53Faults } from "./faults";
import { dnsName, Route53World, type Change, type Route53WorldSpec } from "./zones";
import { elements, errorBody, leaf, node, successBody, text } from "./xml";
import { accessKeyOf, issuedKeyOf, signedWithExpiredKey } from "../sts-standin/issued-keys";
import { closeServer, listenOn, pause, readBody } from "../standin-http";

// The Route53 stand-in over HTTP: the REST-XML protocol the real @aws-sdk/client-route-53 speaks
// (the action in the method and path, the change batch as an XML body, XML back, Route53's error
// envelope and status codes). Three actions: ListResourceRecordSets, ChangeResourceRecordSets and
// GetChange. Signatures are not verified, but an unsigned request is refused, as Route53 refuses it.

export interface Route53Server {
  /** http://host:port, for AWS_ENDPOINT_URL_ROUTE_53. */
  url: string;
  world: Route53World;
  faults: Route53Faults;
  calls: Route53CallLog;
  close(): Promise<void>;
}

const prefix = "/2013-04-01";

export async function startRoute53Server(spec: Route53WorldSpec, options: { host?: string; port?: number } = {}): Promise<Route53Server> {
  const world = new Route53World(spec);
  const faults = new Route53Faults();
  const calls = new Route53CallLog();
  const waits = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    handle(req, res, { world, faults, calls, waits }).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`stand-in failure: ${(e as Error).message}`);
    });
  });
  const host = options.host ?? "127.0.0.1";
  const port = await listenOn(server, host, options.port);
  return {
    url: `http://${host}:${port}`,
    world,
    faults,
    calls,
    close: async () => {
      for (const t of waits) clearTimeout(t);
      waits.clear();
      await closeServer(server);
    },
  };
}

interface State {
  world: Route53World;
  faults: Route53Faults;
  calls: Route53CallLog;
  waits: Set<NodeJS.Timeout>;
}

/** The action a request names, and the zone or change in its path. */
function routeOf(method: string, path: string): { action: string; about: string } {
  const rrset = new RegExp(`^${prefix}/hostedzone/([^/]+)/rrset/?$`).exec(path);
  if (rrset && method === "GET") return { action: "ListResourceRecordSets", about: decodeURIComponent(rrset[1]!) };
  if (rrset && method === "POST") return { action: "ChangeResourceRecordSets", about: decodeURIComponent(rrset[1]!) };
  const change = new RegExp(`^${prefix}/change/([^/]+)$`).exec(path);
  if (change && method === "GET") return { action: "GetChange", about: decodeURIComponent(change[1]!) };
  return { action: "unknown", about: path };
}

async function handle(req: IncomingMessage, res: ServerResponse, state: State): Promise<void> {
  const arrived = Date.now();
  const url = new URL(req.url ?? "/", "http://stand-in");
  const body = await readBody(req);
  const { action, about } = routeOf(req.method ?? "GET", url.pathname);
  const requestId = randomUUID();
  // Who signed it: the assumed role of a key the STS stand-in issued, else the key itself.
  const caller = req.headers.authorization
    ? (issuedKeyOf(req.headers.authorization)?.principal ?? accessKeyOf(req.headers.authorization))
    : undefined;
  let changes: Change[] = [];
  let status = 200;
  let xml: string;
  let error: string | undefined;
  try {
    if (!req.headers.authorization) throw new Route53Error("MissingAuthenticationToken", "Missing Authentication Token", 403);
    if (signedWithExpiredKey(req.headers.authorization))
      throw new Route53Error("ExpiredToken", "The security token included in the request is expired", 403);
    if (action === "unknown")
      throw new Route53Error("UnknownOperationException", `no Route53 operation at ${req.method} ${url.pathname}`, 404);
    if (action === "ChangeResourceRecordSets") changes = changesIn(body);
    await pause(state.faults.latencyFor(action), state.waits);
    const failure = state.faults.failureFor(action);
    if (failure) throw failure;
    xml = answer(state.world, action, about, url.searchParams, changes);
  } catch (e) {
    if (!(e instanceof Route53Error)) throw e;
    [status, xml, error] = [e.status, errorBody(e.code, e.message, requestId), e.code];
  }
  state.calls.record({
    at: arrived,
    action,
    ...(error === undefined ? {} : { error }),
    about,
    ...(caller === undefined ? {} : { caller }),
    changes: changes.map((c) => `${c.action} ${dnsName(c.set.name)} ${c.set.type} ${c.set.ttl} ${c.set.values.join(",")}`),
  });
  res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": requestId });
  res.end(xml);
}

function answer(world: Route53World, action: string, about: string, query: URLSearchParams, changes: Change[]): string {
  if (action === "ListResourceRecordSets") {
    const maxItems = Math.min(300, Math.max(1, Number(query.get("maxitems") ?? "300") || 300));
    const { sets, next } = world.list(about, { name: query.get("name") ?? undefined, type: query.get("type") ?? undefined }, maxItems);
    const rendered = sets.map((s) =>
      node(
        "ResourceRecordSet",
        leaf("Name", s.name),
        leaf("Type", s.type),
        leaf("TTL", s.ttl),
        node("ResourceRecords", ...s.values.map((v) => node("ResourceRecord", leaf("Value", v)))),
      ),
    );
    return successBody(
      action,
      node("ResourceRecordSets", ...rendered) +
        leaf("IsTruncated", next !== undefined) +
        (next ? leaf("NextRecordName", next.name) + leaf("NextRecordType", next.type) : "") +
        leaf("MaxItems", maxItems),
    );
  }
  const info = action === "GetChange" ? world.getChange(about) : world.change(about, changes);
  return successBody(
    action,
    node(
      "ChangeInfo",
      leaf("Id", `/change/${info.id}`),
      leaf("Status", info.status),
      leaf("SubmittedAt", new Date(info.submittedAt).toISOString()),
    ),
  );
}

/** The changes of a ChangeResourceRecordSetsRequest body. */
function changesIn(body: string): Change[] {
  return elements(body, "Change").map((change) => {
    const action = text(change, "Action");
    if (action !== "CREATE" && action !== "UPSERT" && action !== "DELETE")
      throw new Route53Error(
        "InvalidInput",
        `Invalid XML ; 1 validation error detected: Value '${action}' at 'changeBatch.changes.1.member.action' failed to satisfy constraint`,
      );
    const set = elements(change, "ResourceRecordSet")[0] ?? "";
    const name = text(set, "Name");
    const type = text(set, "Type");
    const ttl = Number(text(set, "TTL"));
    const values = elements(set, "Value").map((v) => text(`<V>${v}</V>`, "V")!);
    if (!name || !type || !Number.isInteger(ttl) || values.length === 0)
      throw new Route53Error("InvalidInput", "Invalid request: a resource record set needs Name, Type, TTL and ResourceRecords");
    return { action, set: { name, type, ttl, values } };
  });
}
