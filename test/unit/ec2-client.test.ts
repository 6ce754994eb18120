import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { createEc2Client } from "../../src/cloud/ec2-client";
import { SdkEc2 } from "../../src/cloud/ec2-sdk";
import { AwsHaError } from "../../src/errors";
import { LoopbackServer } from "./support/loopback-server";

// The real client over HTTP to a scripted EC2 on 127.0.0.1, found the way nodes find a VPC
// endpoint: through AWS_ENDPOINT_URL_EC2.

type Reply = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const timeouts = { transition: 120, request: 1, connect: 1, metadata: 1, volume: 60 };
const credentials = { accessKeyId: "AKIDTESTTESTTESTTEST", secretAccessKey: "test-secret" };

const ok: Reply = (_req, res) =>
  res
    .writeHead(200, { "content-type": "text/xml" })
    .end(
      `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-ok</requestId><reservationSet>` +
        `<item><reservationId>r-1</reservationId><instancesSet><item><instanceId>i-0123456789abcdef0</instanceId>` +
        `<instanceState><code>16</code><name>running</name></instanceState>` +
        `<placement><availabilityZone>eu-west-1a</availabilityZone></placement></item></instancesSet></item>` +
        `</reservationSet></DescribeInstancesResponse>`,
    );

const ec2Error =
  (status: number, code: string, message: string): Reply =>
  (_req, res) =>
    res
      .writeHead(status, { "content-type": "text/xml" })
      .end(
        `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>r-err</RequestID></Response>`,
      );

const silent: Reply = () => undefined;

/** A scripted EC2: the n-th request gets the n-th reply, the last one repeats. */
class ScriptedEc2 extends LoopbackServer {
  readonly bodies: string[] = [];

  constructor(replies: Reply[]) {
    super((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        this.bodies.push(body);
        replies[Math.min(this.bodies.length, replies.length) - 1]!(req, res, body);
      });
    });
  }
}

let ec2: ScriptedEc2 | undefined;
const savedEndpoint = process.env.AWS_ENDPOINT_URL_EC2;

async function ec2Answering(...replies: Reply[]) {
  ec2 = new ScriptedEc2(replies);
  process.env.AWS_ENDPOINT_URL_EC2 = await ec2.start();
  const client = createEc2Client({ region: "eu-west-1", timeouts, credentials });
  return { stand: ec2, client, port: new SdkEc2(client, () => AbortSignal.timeout(30_000)) };
}

beforeEach(() => {
  delete process.env.AWS_ENDPOINT_URL_EC2;
});

afterEach(async () => {
  await ec2?.stop();
  ec2 = undefined;
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_EC2;
  else process.env.AWS_ENDPOINT_URL_EC2 = savedEndpoint;
});

describe("the EC2 client a failover uses", () => {
  it("sends its calls to the endpoint named by AWS_ENDPOINT_URL_EC2", async () => {
    const { stand, port } = await ec2Answering(ok);
    const instance = await port.describeInstance("i-0123456789abcdef0");
    expect(instance).toEqual({ instanceId: "i-0123456789abcdef0", state: "running", availabilityZone: "eu-west-1a" });
    expect(stand.bodies).toHaveLength(1);
    expect(stand.bodies[0]).toContain("Action=DescribeInstances");
  });

  it("gives up on an EC2 that never answers within its request timeouts, as a cloud error", async () => {
    const { stand, port } = await ec2Answering(silent);
    const started = Date.now();
    const failure = await port.describeInstance("i-0123456789abcdef0").catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(failure).toBeInstanceOf(AwsHaError);
    expect(failure).toMatchObject({ kind: "cloud", details: { awsCode: "TimeoutError" } });
    expect((failure as AwsHaError).message).toContain("DescribeInstances");
    // Each attempt is cut at timeouts.request (1 s) and retried a bounded number of times.
    expect(stand.bodies.length).toBeGreaterThan(1);
    expect(stand.bodies.length).toBeLessThanOrEqual(4);
    expect(took).toBeLessThan(10_000);
  }, 20_000);

  it("rides out two 503s and then succeeds", async () => {
    const unavailable = ec2Error(503, "Unavailable", "The service is unavailable. Please try again shortly.");
    const { stand, port } = await ec2Answering(unavailable, unavailable, ok);
    await expect(port.describeInstance("i-0123456789abcdef0")).resolves.toMatchObject({ state: "running" });
    expect(stand.bodies).toHaveLength(3);
  }, 20_000);

  it("retries an internal error (500)", async () => {
    const { stand, port } = await ec2Answering(ec2Error(500, "InternalError", "An internal error has occurred."), ok);
    await expect(port.describeInstance("i-0123456789abcdef0")).resolves.toMatchObject({ state: "running" });
    expect(stand.bodies).toHaveLength(2);
  }, 20_000);

  it("backs off and retries when EC2 throttles with RequestLimitExceeded", async () => {
    const throttled = ec2Error(503, "RequestLimitExceeded", "Request limit exceeded.");
    const { stand, port } = await ec2Answering(throttled, throttled, ok);
    await expect(port.describeInstance("i-0123456789abcdef0")).resolves.toMatchObject({ state: "running" });
    expect(stand.bodies).toHaveLength(3);
  }, 20_000);

  it("stops retrying a throttled call after a bounded number of attempts", async () => {
    const { stand, port } = await ec2Answering(ec2Error(503, "RequestLimitExceeded", "Request limit exceeded."));
    await expect(port.describeInstance("i-0123456789abcdef0")).rejects.toMatchObject({
      kind: "cloud",
      details: { awsCode: "RequestLimitExceeded" },
    });
    expect(stand.bodies).toHaveLength(4);
  }, 30_000);

  it("does not retry a denied call, and names the missing permission", async () => {
    const { stand, port } = await ec2Answering(ec2Error(403, "UnauthorizedOperation", "You are not authorized to perform this operation."));
    const failure = await port.describeInstance("i-0123456789abcdef0").catch((e: unknown) => e);
    expect(failure).toMatchObject({ kind: "permission", message: "EC2 denied DescribeInstances (UnauthorizedOperation)" });
    expect(stand.bodies).toHaveLength(1);
  });

  it("ends a call when the transition deadline's signal fires, without waiting for the request timeout", async () => {
    const { client } = await ec2Answering(silent);
    const port = new SdkEc2(client, () => AbortSignal.timeout(200));
    const started = Date.now();
    await expect(port.describeInstance("i-0123456789abcdef0")).rejects.toMatchObject({ kind: "cloud", details: { awsCode: "AbortError" } });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("keeps the raw SDK client usable with a per-call abort signal", async () => {
    const { client } = await ec2Answering(ok);
    const out = await client.send(new DescribeInstancesCommand({}), { abortSignal: AbortSignal.timeout(5_000) });
    expect(out.Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe("i-0123456789abcdef0");
  });
});
