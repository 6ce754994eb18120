import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { request as httpsRequest, createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "node:net";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { awsHttpHandler } from "../../src/cloud/aws-http-handler";
import { ec2Failure } from "../../src/cloud/ec2-errors";
import { ConnectHttpsAgent } from "../../src/cloud/proxy/connect-agent";
import { proxySettingsFrom } from "../../src/cloud/proxy/proxy-settings";
import { AwsHaError } from "../../src/errors";
import { timeoutsSchema } from "../../src/cluster/schema";
import { startConnectProxy, type ConnectProxy } from "../support/connect-proxy";
import { startEc2Server, type Ec2Server } from "../support/ec2-standin/server";
import { closedPort } from "./support/closed-port";

// The one HTTP handler of the AWS clients behind a CONNECT proxy on loopback: the real EC2 SDK
// over HTTP to the EC2 stand-in, and TLS inside the tunnel to an HTTPS endpoint with its own name.

const region = "eu-west-1";
const instanceId = "i-0aaaaaaaaaaaaaaa1";
const credentials = { accessKeyId: "AKIDSTANDINTEST", secretAccessKey: "not-a-secret" };
const timeouts = timeoutsSchema.parse({ request: 3, connect: 2 });

let ec2Server: Ec2Server;
let proxy: ConnectProxy | undefined;
const clients: EC2Client[] = [];

beforeAll(async () => {
  ec2Server = await startEc2Server({
    spec: {
      subnets: [{ subnetId: "subnet-0aaaaaaaaaaaaaaa1", cidr: "10.0.1.0/24", availabilityZone: `${region}a` }],
      instances: [{ instanceId, state: "running" }],
      interfaces: [
        { networkInterfaceId: "eni-0aaaaaaaaaaaaaaa1", subnetId: "subnet-0aaaaaaaaaaaaaaa1", privateIps: ["10.0.1.10"], instanceId },
      ],
    },
  });
});
afterAll(() => ec2Server.close());
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await proxy?.close();
  proxy = undefined;
});

function ec2With(env: NodeJS.ProcessEnv, maxAttempts = 1): EC2Client {
  const client = new EC2Client({
    endpoint: ec2Server.url,
    region,
    credentials,
    maxAttempts,
    requestHandler: awsHttpHandler(timeouts, env),
  });
  clients.push(client);
  return client;
}
const describeSelf = (client: EC2Client) => client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
const standInTarget = () => new URL(ec2Server.url).host;

describe("EC2 behind http_proxy", () => {
  it("two calls go through one tunnel to the stand-in, kept alive between them", async () => {
    proxy = await startConnectProxy();
    const ec2 = ec2With({ http_proxy: proxy.url });
    const started = Date.now();

    await describeSelf(ec2);
    await describeSelf(ec2);

    expect(proxy.tunnels.map((t) => t.target)).toEqual([standInTarget()]);
    expect(ec2Server.calls.of("DescribeInstances", started)).toHaveLength(2);
  });

  it("NO_PROXY=127.0.0.1 goes direct: no tunnel", async () => {
    proxy = await startConnectProxy();
    const ec2 = ec2With({ http_proxy: proxy.url, NO_PROXY: "127.0.0.1" });

    await describeSelf(ec2);

    expect(proxy.requests).toEqual([]);
  });

  it("HTTP_PROXY alone is not read for an http endpoint (as curl): no tunnel", async () => {
    proxy = await startConnectProxy();
    await describeSelf(ec2With({ HTTP_PROXY: proxy.url }));
    expect(proxy.requests).toEqual([]);
  });

  it("a proxy that wants a user gets the URL's user and password as Basic, and tunnels", async () => {
    proxy = await startConnectProxy({ credentials: { user: "ops", password: "s3cret" } });
    const url = new URL(proxy.url);
    await describeSelf(ec2With({ http_proxy: `http://ops:s3cret@${url.host}` }));
    expect(proxy.tunnels).toEqual([{ target: standInTarget(), authorization: `Basic ${Buffer.from("ops:s3cret").toString("base64")}` }]);
  });
});

describe("kept-alive tunnels between events (the resident reader's warm connection)", () => {
  const answer =
    `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-ok</requestId><reservationSet>` +
    `<item><reservationId>r-1</reservationId><instancesSet><item><instanceId>${instanceId}</instanceId>` +
    `<instanceState><code>16</code><name>running</name></instanceState></item></instancesSet></item>` +
    `</reservationSet></DescribeInstancesResponse>`;
  let endpoint: { server: HttpServer; url: string; closedByClient: number } | undefined;
  afterEach(async () => {
    endpoint?.server.closeAllConnections();
    await new Promise((resolve) => endpoint?.server.close(resolve) ?? resolve(undefined));
    endpoint = undefined;
  });

  /** EC2 on loopback: it drops an idle connection silently after `dropIdleAfterMs`, or announces `announcedTimeoutMs`. */
  async function startEndpoint(options: { dropIdleAfterMs?: number; announcedTimeoutMs?: number }) {
    const timers = new WeakMap<Socket, NodeJS.Timeout>();
    const server = createHttpServer((req, res) => {
      clearTimeout(timers.get(req.socket));
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/xml" }).end(answer);
        if (options.dropIdleAfterMs !== undefined)
          res.once("finish", () =>
            timers.set(
              req.socket,
              setTimeout(() => req.socket.destroy(), options.dropIdleAfterMs),
            ),
          );
      });
    });
    server.keepAliveTimeout = options.announcedTimeoutMs ?? 0;
    const made = { server, url: "", closedByClient: 0 };
    server.on("connection", (socket: Socket) => socket.on("end", () => (made.closedByClient += 1)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    made.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    endpoint = made;
    return made;
  }
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const singleAttempt = (url: string, env: NodeJS.ProcessEnv) => {
    const client = new EC2Client({ endpoint: url, region, credentials, maxAttempts: 1, requestHandler: awsHttpHandler(timeouts, env) });
    clients.push(client);
    return client;
  };

  it("a tunnel the endpoint dropped while idle costs the next call a new tunnel, never an error", async () => {
    const ec2Endpoint = await startEndpoint({ dropIdleAfterMs: 100 });
    proxy = await startConnectProxy();
    const ec2 = singleAttempt(ec2Endpoint.url, { http_proxy: proxy.url });

    await describeSelf(ec2);
    await describeSelf(ec2);
    expect(proxy.tunnels).toHaveLength(1);

    await sleep(300);
    await expect(describeSelf(ec2)).resolves.toBeDefined();
    expect(proxy.tunnels).toHaveLength(2);
  });

  it("an idle tunnel is let go a second before the endpoint's announced timeout", async () => {
    const ec2Endpoint = await startEndpoint({ announcedTimeoutMs: 2_000 });
    proxy = await startConnectProxy();
    const ec2 = singleAttempt(ec2Endpoint.url, { http_proxy: proxy.url });

    await describeSelf(ec2);
    // The endpoint would close it at 2 s; the client closes the tunnel at 1 s.
    await sleep(1_500);
    expect(ec2Endpoint.closedByClient).toBe(1);
    await expect(describeSelf(ec2)).resolves.toBeDefined();
    expect(proxy.tunnels).toHaveLength(2);
  });
});

describe("a proxy that fails the call", () => {
  it.each([
    [407, /refused a tunnel to 127\.0\.0\.1:\d+ \(HTTP 407 .*\); the proxy wants a user and password: give them in http_proxy/],
    [403, /\(HTTP 403 .*\); the proxy's rules forbid a tunnel to 127\.0\.0\.1:\d+: allow CONNECT/],
    [502, /\(HTTP 502 .*\); the proxy could not reach 127\.0\.0\.1:\d+ itself/],
  ])("answering %i to CONNECT is a cloud failure naming the proxy and the variable, retried as a network failure", async (status, text) => {
    proxy = await startConnectProxy({ refuseWith: status });
    const started = Date.now();
    const error = await describeSelf(ec2With({ http_proxy: proxy.url }, 3)).catch((e: unknown) => e);

    const failure = ec2Failure("DescribeInstances", error);
    expect(failure).toBeInstanceOf(AwsHaError);
    expect(failure.kind).toBe("cloud");
    expect(failure.describe()).toMatch(new RegExp(`^the proxy ${proxy.url.replace(/\./g, "\\.")} \\(http_proxy\\) `));
    expect(failure.describe()).toMatch(text);
    expect(proxy.requests.length).toBe(3);
    // Refused at the proxy: EC2 never saw the call.
    expect(ec2Server.calls.all(started)).toEqual([]);
  });

  it("a 407 with credentials says they were not accepted, and never prints them", async () => {
    proxy = await startConnectProxy({ credentials: { user: "ops", password: "right" } });
    const url = new URL(proxy.url);
    const error = await describeSelf(ec2With({ http_proxy: `http://ops:wrong-pw@${url.host}` })).catch((e: unknown) => e);
    const text = ec2Failure("DescribeInstances", error).describe();
    expect(text).toMatch(/did not accept the user and password in http_proxy/);
    expect(text).not.toMatch(/wrong-pw|ops:/);
  });

  it("an unreachable proxy: cannot reach it (ECONNREFUSED), retried", async () => {
    const port = await closedPort();
    const error = await describeSelf(ec2With({ http_proxy: `http://127.0.0.1:${port}` }, 2)).catch((e: unknown) => e);
    expect(ec2Failure("DescribeInstances", error).describe()).toMatch(
      new RegExp(
        `^cannot reach the proxy http://127\\.0\\.0\\.1:${port} \\(http_proxy\\) to open a tunnel to 127\\.0\\.0\\.1:\\d+ \\(ECONNREFUSED\\); check that the proxy runs`,
      ),
    );
  });

  it("a malformed proxy variable is refused when the client is made, before any call", () => {
    expect(() => awsHttpHandler(timeouts, { https_proxy: "http://proxy.corp:99999" })).toThrow(
      /^https_proxy="http:\/\/proxy\.corp:99999" is not a proxy/,
    );
  });
});

describe("TLS inside the tunnel (an https endpoint)", () => {
  const name = "ec2.proxy-test.internal";
  let dir: string;
  let cert: string;
  let server: HttpsServer;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "aws-ha-proxy-tls-"));
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", `/CN=${name}`].concat([
        "-addext",
        `subjectAltName=DNS:${name}`,
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ]),
      { stdio: "ignore" },
    );
    cert = readFileSync(join(dir, "cert.pem"), "utf8");
    server = createHttpsServer({ key: readFileSync(join(dir, "key.pem")), cert }, (req, res) => res.end(`hello ${req.headers.host}`));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (agent: ConnectHttpsAgent) =>
    new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: name, port, path: "/", agent }, (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve(body));
      });
      req.on("error", reject);
      req.end();
    });

  it("TLS to the endpoint's name goes through the tunnel, the certificate checked against that name; two requests, one tunnel", async () => {
    proxy = await startConnectProxy({ hosts: { [name]: "127.0.0.1" } });
    const agent = new ConnectHttpsAgent(
      { proxies: proxySettingsFrom({ https_proxy: proxy.url }), connectTimeoutMs: 2_000 },
      { keepAlive: true, ca: cert },
    );
    try {
      expect(await get(agent)).toBe(`hello ${name}:${port}`);
      expect(await get(agent)).toBe(`hello ${name}:${port}`);
      expect(proxy.tunnels.map((t) => t.target)).toEqual([`${name}:${port}`]);
    } finally {
      agent.destroy();
    }
  });

  it("a certificate of another name is refused inside the tunnel too", async () => {
    proxy = await startConnectProxy({ hosts: { "sts.proxy-test.internal": "127.0.0.1" } });
    const agent = new ConnectHttpsAgent(
      { proxies: proxySettingsFrom({ https_proxy: proxy.url }), connectTimeoutMs: 2_000 },
      { keepAlive: true, ca: cert },
    );
    try {
      const error = await new Promise<unknown>((resolve) => {
        const req = httpsRequest({ host: "sts.proxy-test.internal", port, path: "/", agent }, () => resolve(undefined));
        req.on("error", resolve);
        req.end();
      });
      expect((error as NodeJS.ErrnoException).code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    } finally {
      agent.destroy();
    }
  });
});
