import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { FetchImds } from "../../src/cloud/imds";
import { AwsHaError } from "../../src/errors";
import { errorFields } from "../../src/log";
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
  /** Answers instead of the usual ones, by metadata path. */
  answers?: Record<string, string>;
  /** The token handed out instead of token-N. */
  token?: string;
  /** This metadata path answers with this many bytes, streamed as fast as the client reads. */
  endless?: { path: string; bytes: number };
}

class FakeImds extends LoopbackServer {
  puts = 0;
  gets: { path: string; token: string | undefined }[] = [];
  /** Bytes of the endless answer written before the client hung up. */
  endlessSent = 0;
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
      return res.writeHead(200).end(this.behaviour.token ?? `token-${this.puts}`);
    }
    const path = req.url?.replace(/^\/latest\/meta-data\//, "") ?? "";
    const token = req.headers["x-aws-ec2-metadata-token"] as string | undefined;
    this.gets.push({ path, token });
    if (!token || this.behaviour.expired?.has(token)) return res.writeHead(401).end();
    if (this.behaviour.endless?.path === path) return this.stream(res, this.behaviour.endless.bytes);
    const value = this.behaviour.answers?.[path] ?? metadata[path];
    if (value === undefined) return res.writeHead(404).end();
    return res.writeHead(200).end(value);
  }

  /** Writes `bytes` bytes without holding them: only as fast as the client takes them, until it hangs up. */
  private stream(res: ServerResponse, bytes: number) {
    const chunk = Buffer.alloc(64 * 1024, "i");
    res.writeHead(200);
    const more = () => {
      while (this.endlessSent < bytes && !res.destroyed) {
        this.endlessSent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", more);
      }
      res.end();
    };
    res.on("close", () => res.removeAllListeners("drain"));
    more();
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

  it("keeps the socket's error as the cause of an unreachable service, for the log", async () => {
    const endpoint = await closedPort();
    const failure = (await new FetchImds({ endpoint, timeoutMs: 500 }).identity().catch((e: unknown) => e)) as AwsHaError;
    expect(failure.cause).toMatchObject({ code: "ECONNREFUSED" });
    expect(errorFields(failure).cause).toMatch(/^Error ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });

  it("keeps the timeout as the cause of a service that never answers", async () => {
    const { imds } = await imdsWith({ silent: true }, 100);
    const failure = (await imds.identity().catch((e: unknown) => e)) as AwsHaError;
    expect(errorFields(failure).cause).toBe("TimeoutError: no answer within 100 ms");
  });

  it("keeps the HTTP status of a refusal in its details", async () => {
    const { imds } = await imdsWith({ tokenStatus: 403 });
    const failure = (await imds.identity().catch((e: unknown) => e)) as AwsHaError;
    expect(errorFields(failure)).toEqual({ httpStatus: 403 });
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

  it("stops reading an answer larger than any metadata value and says so, instead of holding it all", async () => {
    const { service, imds, endpoint } = await imdsWith({ endless: { path: "instance-id", bytes: 20 * 1024 * 1024 } });
    const failure = await imds.identity().then(
      (identity) => `an identity with a ${identity.instanceId.length}-character instance id`,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(AwsHaError);
    expect(failure).toMatchObject({ kind: "cloud" });
    expect((failure as AwsHaError).message).toBe(
      `the instance metadata service at ${endpoint} answered GET /latest/meta-data/instance-id with more than 65536 bytes`,
    );
    expect((failure as AwsHaError).details.fix).toContain("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    // The client hung up long before the service was done, and asked only once.
    expect(service.endlessSent).toBeLessThan(4 * 1024 * 1024);
    expect(service.gets.filter((g) => g.path === "instance-id")).toHaveLength(1);
  });

  it.each([
    ["instance-id", "i-0aaaaaaaaaaaaaaa1\nforged", '"i-0aaaaaaaaaaaaaaa1\\nforged", which is not an instance id'],
    ["instance-id", "", '"", which is not an instance id'],
    ["placement/region", "eu west 1", '"eu west 1", which is not an AWS region'],
    ["placement/availability-zone", "us-east-1a", '"us-east-1a", which is not an availability zone of eu-west-1'],
    ["mac", "../../../instance-id", '"../../../instance-id", which is not a MAC address'],
    [`network/interfaces/macs/${MAC}/interface-id`, "eni-nothex", '"eni-nothex", which is not a network interface id'],
    [
      `network/interfaces/macs/${MAC}/local-ipv4s`,
      "10.0.1.10\n10.0.1.300",
      '"10.0.1.10\\n10.0.1.300", which is not a list of IPv4 addresses',
    ],
    [`network/interfaces/macs/${MAC}/local-ipv4s`, "", '"", which is not a list of IPv4 addresses'],
  ])("refuses %s %j: an identity EC2 would never give", async (path, value, message) => {
    const { imds, endpoint } = await imdsWith({ answers: { [path]: value } });
    const failure = (await imds.identity().catch((e: unknown) => e)) as AwsHaError;
    expect(failure).toBeInstanceOf(AwsHaError);
    expect(failure.kind).toBe("cloud");
    expect(failure.message).toBe(`the instance metadata service at ${endpoint} answered ${path} ${message}`);
    expect(failure.details.fix).toContain("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  });

  it("refuses an ENI id for another MAC that is not an ENI id", async () => {
    const { imds } = await imdsWith({ answers: { "network/interfaces/macs/0e:99:99:99:99:99/interface-id": "eni-0bbb\r\nx" } });
    await expect(imds.interfaceIdOf("0e:99:99:99:99:99")).rejects.toMatchObject({
      kind: "cloud",
      message: expect.stringContaining('interface-id "eni-0bbb\\r\\nx", which is not a network interface id'),
    });
    // A MAC that could not be one never becomes part of a metadata path.
    await expect(imds.interfaceIdOf("../../instance-id")).rejects.toMatchObject({
      kind: "config",
      message: expect.stringContaining('"../../instance-id" is not a MAC address'),
    });
  });

  it("refuses a session token that could not travel in a header", async () => {
    const { imds, service } = await imdsWith({ token: "tok\r\nen" });
    const failure = (await imds.identity().catch((e: unknown) => e)) as AwsHaError;
    expect(failure).toBeInstanceOf(AwsHaError);
    expect(failure.message).toContain("answered PUT /latest/api/token with a token that is not printable text");
    expect(service.gets).toHaveLength(0);
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
