import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { FetchImds } from "../../src/cloud/imds";
import { AwsHaError } from "../../src/errors";
import { LoopbackServer } from "./support/loopback-server";

// An IMDSv2 on 127.0.0.1 that this file starts: it hands out tokens, insists on them, and can be told
// to go silent, refuse, or forget a token.

const MAC = "0e:11:22:33:44:55";
const metadata: Record<string, string> = {
  "instance-id": "i-0aaaaaaaaaaaaaaa1",
  "placement/region": "eu-west-1",
  "placement/availability-zone": "eu-west-1b",
  mac: MAC,
  [`network/interfaces/macs/${MAC}/interface-id`]: "eni-0aaaaaaaaaaaaaaa1",
  [`network/interfaces/macs/${MAC}/local-ipv4s`]: "10.0.1.10\n10.0.1.100\n10.0.1.101",
  "network/interfaces/macs/0e:99:99:99:99:99/interface-id": "eni-0bbbbbbbbbbbbbbb2",
};

interface Behaviour {
  /** Accept the connection and never answer. */
  silent?: boolean;
  /** Status for the token PUT instead of a token. */
  tokenStatus?: number;
  /** Tokens the service has forgotten: GETs with them get 401. */
  expired?: Set<string>;
  /** Drop the connection of the first n requests without an answer. */
  dropFirst?: number;
}

class FakeImds extends LoopbackServer {
  puts = 0;
  gets: { path: string; token: string | undefined }[] = [];
  private requests = 0;

  constructor(private readonly behaviour: Behaviour = {}) {
    super((req, res) => this.answer(req, res));
  }

  private answer(req: IncomingMessage, res: ServerResponse) {
    this.requests++;
    if (this.behaviour.silent) return;
    if (this.requests <= (this.behaviour.dropFirst ?? 0)) return req.socket.destroy();
    if (req.method === "PUT" && req.url === "/latest/api/token") {
      this.puts++;
      if (this.behaviour.tokenStatus) return res.writeHead(this.behaviour.tokenStatus).end();
      if (req.headers["x-aws-ec2-metadata-token-ttl-seconds"] === undefined) return res.writeHead(400).end();
      return res.writeHead(200).end(`token-${this.puts}`);
    }
    const path = req.url?.replace(/^\/latest\/meta-data\//, "") ?? "";
    const token = req.headers["x-aws-ec2-metadata-token"] as string | undefined;
    this.gets.push({ path, token });
    if (!token || this.behaviour.expired?.has(token)) return res.writeHead(401).end();
    const value = metadata[path];
    if (value === undefined) return res.writeHead(404).end();
    return res.writeHead(200).end(value);
  }
}

const running: FakeImds[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function imdsWith(behaviour: Behaviour = {}, timeoutMs = 1000) {
  const service = new FakeImds(behaviour);
  running.push(service);
  const endpoint = await service.start();
  return { service, endpoint, imds: new FetchImds({ endpoint, timeoutMs }) };
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<string> {
  const { service, endpoint } = await imdsWith();
  await service.stop();
  running.splice(running.indexOf(service), 1);
  return endpoint;
}

describe("reading this instance's identity from IMDSv2", () => {
  it("reads who and where the instance is, with one session token for every read", async () => {
    const { service, imds } = await imdsWith();
    const identity = await imds.identity();
    expect(identity).toEqual({
      instanceId: "i-0aaaaaaaaaaaaaaa1",
      region: "eu-west-1",
      availabilityZone: "eu-west-1b",
      mac: MAC,
      networkInterfaceId: "eni-0aaaaaaaaaaaaaaa1",
      localIpv4s: ["10.0.1.10", "10.0.1.100", "10.0.1.101"],
    });
    expect(service.puts).toBe(1);
    expect(service.gets).toHaveLength(6);
    expect(service.gets.every((g) => g.token === "token-1")).toBe(true);
  });

  it("remembers the identity, and reuses the token for later look-ups", async () => {
    const { service, imds } = await imdsWith();
    const [first, second] = await Promise.all([imds.identity(), imds.identity()]);
    expect(second).toBe(first);
    expect(await imds.identity()).toBe(first);
    expect(await imds.interfaceIdOf("0E:99:99:99:99:99")).toBe("eni-0bbbbbbbbbbbbbbb2");
    expect(service.puts).toBe(1);
    expect(service.gets).toHaveLength(7);
  });

  it("fetches a new token once when the service no longer knows the old one", async () => {
    const { service, imds } = await imdsWith({ expired: new Set(["token-1"]) });
    const identity = await imds.identity();
    expect(identity.instanceId).toBe("i-0aaaaaaaaaaaaaaa1");
    // Every read that met the stale token shares the one replacement.
    expect(service.puts).toBe(2);
    expect(service.gets.filter((g) => g.token === "token-2").map((g) => g.path)).toHaveLength(6);
  });

  it("says which MAC is not an interface of this instance", async () => {
    const { imds } = await imdsWith();
    const failure = await imds.interfaceIdOf("0e:00:00:00:00:01").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AwsHaError);
    expect(failure).toMatchObject({ kind: "config" });
    expect((failure as AwsHaError).message).toContain("0e:00:00:00:00:01");
  });

  it("retries a dropped connection and then succeeds", async () => {
    const { service, imds } = await imdsWith({ dropFirst: 1 });
    await expect(imds.identity()).resolves.toMatchObject({ instanceId: "i-0aaaaaaaaaaaaaaa1" });
    expect(service.puts).toBe(1);
  });
});

describe("when the metadata service cannot help", () => {
  it("gives up on a service that never answers within a bounded time", async () => {
    const { endpoint, imds } = await imdsWith({ silent: true }, 200);
    const started = Date.now();
    const failure = await imds.identity().catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(failure).toBeInstanceOf(AwsHaError);
    const error = failure as AwsHaError;
    expect(error.kind).toBe("cloud");
    expect(error.message).toContain(`cannot reach the instance metadata service at ${endpoint}`);
    expect(error.message).toContain("no answer within 200 ms");
    expect(error.details.fix).toMatch(/IMDSv2/);
    expect(error.details.fix).toMatch(/hop limit to 2/);
    // Three tries of 200 ms plus short backoff; far below anything that could stall a failover.
    expect(took).toBeLessThan(5_000);
  });

  it("reports a refused connection as unreachable, naming the endpoint", async () => {
    const endpoint = await closedPort();
    const imds = new FetchImds({ endpoint, timeoutMs: 500 });
    await expect(imds.identity()).rejects.toMatchObject({
      kind: "cloud",
      message: expect.stringContaining(`cannot reach the instance metadata service at ${endpoint} (ECONNREFUSED`),
    });
  });

  it("explains a refused token (403) as a metadata service turned off", async () => {
    const { service, imds } = await imdsWith({ tokenStatus: 403 });
    const failure = (await imds.identity().catch((e: unknown) => e)) as AwsHaError;
    expect(failure.kind).toBe("cloud");
    expect(failure.message).toContain("refused PUT /latest/api/token (403 Forbidden)");
    expect(failure.details.fix).toContain("--http-endpoint enabled");
    expect(service.gets).toHaveLength(0);
  });

  it("does not remember a failed read: the next call asks again", async () => {
    const { service, imds } = await imdsWith({ tokenStatus: 403 });
    await expect(imds.identity()).rejects.toBeInstanceOf(AwsHaError);
    await expect(imds.identity()).rejects.toBeInstanceOf(AwsHaError);
    expect(service.puts).toBe(2);
  });

  it("names a path the service does not have (404)", async () => {
    const { service, imds } = await imdsWith();
    delete metadata["placement/region"];
    try {
      await expect(imds.identity()).rejects.toMatchObject({
        kind: "cloud",
        message: expect.stringContaining("has no placement/region (404 Not Found)"),
      });
    } finally {
      metadata["placement/region"] = "eu-west-1";
    }
    expect(service.puts).toBe(1);
  });
});
