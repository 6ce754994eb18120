import { existsSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import type { ClusterDescription } from "../../../src/cluster/schema";
import type { Route53Call } from "../../support/route53-standin/call-log";
import type { RecordSet, Route53WorldSpec } from "../../support/route53-standin/zones";
import { buildStandins } from "../../support/standalone/build";
import type { RecordByHand, ZoneRecords } from "../../support/standalone/route53-main";
import { Daemon, signalGroup } from "./daemon";
import type { Teardown } from "./teardown";
import { waitFor } from "./wait";

// The lab's Route53, for a description with records: the stand-in built into a single file and
// run as its own process inside the hub namespace, beside EC2's, with one empty hosted zone per
// zone the records name. Nodes reach it over the cloud network (AWS_ENDPOINT_URL_ROUTE_53); the
// lab reads the zones' records and the call log through a Unix socket in the lab directory.

export interface Route53StandinOptions {
  description: ClusterDescription;
  hubNamespace: string;
  /** The hub's address on the cloud network. */
  listenAddress: string;
  /** The lab directory: the zones file, the log and the control socket go here. */
  dir: string;
  teardown: Teardown;
}

export interface Route53Control {
  /** The record set of a name and type in a zone, as the stand-in holds it now. */
  record(zoneId: string, name: string, type: string): Promise<RecordSet | undefined>;
  /** Every call the stand-in answered, in arrival order. */
  calls(since?: number): Promise<Route53Call[]>;
  /** Changes a record set as an operator would by hand, outside the API (no call logged, no change id). */
  setRecord(zoneId: string, set: RecordByHand["set"]): Promise<void>;
}

export interface Route53Standin {
  control: Route53Control;
  /** The Route53 endpoint as the nodes reach it. */
  url: string;
  /** What a node's environment needs to send its Route53 calls here. */
  nodeEnv(): NodeJS.ProcessEnv;
}

/** Route53's port inside the hub namespace (DNS's 53, in the unprivileged range). */
const route53Port = 8053;

/** The hosted zones a description's records name, empty: the records are the nodes' to write. */
export function zonesOf(description: ClusterDescription): Route53WorldSpec {
  const zones = new Map<string, string>();
  for (const r of description.resources) if (r.kind === "record") zones.set(r.hostedZoneId, r.zone);
  return { zones: [...zones].map(([id, name]) => ({ id, name, records: [] })) };
}

export async function startRoute53Standin(options: Route53StandinOptions): Promise<Route53Standin> {
  const specFile = join(options.dir, "route53-zones.json");
  writeFileSync(specFile, JSON.stringify(zonesOf(options.description), null, 2));
  const bundlesDir = join(options.dir, "standins");
  const bundle = join(bundlesDir, "route53-main.cjs");
  if (!existsSync(bundle)) await buildStandins(bundlesDir);
  const socketPath = join(options.dir, "route53-control.sock");
  const url = `http://${options.listenAddress}:${route53Port}`;

  const daemon = Daemon.start({
    name: "Route53 stand-in",
    argv: [
      "ip",
      "netns",
      "exec",
      options.hubNamespace,
      process.execPath,
      bundle,
      "--listen",
      options.listenAddress,
      "--port",
      String(route53Port),
      "--spec",
      specFile,
      "--control-socket",
      socketPath,
    ],
    logFile: join(options.dir, "route53-standin.log"),
  });
  options.teardown.add(`Route53 stand-in (pid ${daemon.pid})`, () => signalGroup(daemon.pid, "SIGKILL"));

  const healthy = () =>
    control(socketPath, "GET", "health").then(
      () => true,
      () => false,
    );
  const answered = await waitFor(async () => (daemon.running ? (await healthy()) && "answering" : "exited"), {
    what: `the Route53 stand-in in ${options.hubNamespace} to answer on ${socketPath}`,
    timeoutMs: 10_000,
    intervalMs: 50,
  });
  if (answered === "exited") throw new Error(`the Route53 stand-in exited at start: ${daemon.log().trim()}`);

  return {
    url,
    control: {
      record: async (zoneId, name, type) => {
        const zones = await control<ZoneRecords[]>(socketPath, "GET", "records");
        const wanted = `${name.toLowerCase().replace(/\.+$/, "")}.`;
        return zones.find((z) => z.zoneId === zoneId)?.records.find((r) => r.name === wanted && r.type === type);
      },
      calls: async (since = 0) => (await control<Route53Call[]>(socketPath, "GET", "calls")).filter((c) => c.at >= since),
      setRecord: async (zoneId, set) => {
        const change: RecordByHand = { zoneId, set };
        await control(socketPath, "POST", "records", change);
      },
    },
    nodeEnv: () => ({ AWS_ENDPOINT_URL_ROUTE_53: url }),
  };
}

/** One request of the control API over its Unix socket, bounded in time. */
function control<T>(socketPath: string, method: "GET" | "POST", path: string, body?: unknown, timeoutMs = 2_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const req = request({ socketPath, path: `/_standin/${path}`, method, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) reject(new Error(`Route53 stand-in control ${path}: ${res.statusCode} ${text}`));
        else resolve(JSON.parse(text) as T);
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`Route53 stand-in control ${path}: no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
