import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createEc2Client } from "../../src/cloud/ec2-client";
import { SdkEc2 } from "../../src/cloud/ec2-sdk";
import { AwsHaError } from "../../src/errors";
import { LoopbackServer } from "./support/loopback-server";

// The real client over HTTP, when what answers on the EC2 endpoint is not EC2: a proxy's error page,
// JSON from some other service, or XML that EC2 would never send. The node's operator must read what
// happened on one line and be sent to the endpoint, not to the cluster description.

const RTB = "rtb-0aaaaaaaaaaaaaaa1";
const VOL = "vol-0aaaaaaaaaaaaaaa1";
const PEER = "i-0bbbbbbbbbbbbbbb2";
const timeouts = { transition: 120, request: 2, connect: 1, metadata: 1, volume: 60 };
const credentials = { accessKeyId: "AKIDTESTTESTTESTTEST", secretAccessKey: "test-secret" };

let endpoint: LoopbackServer | undefined;
const savedEndpoint = process.env.AWS_ENDPOINT_URL_EC2;
afterEach(async () => {
  await endpoint?.stop();
  endpoint = undefined;
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_EC2;
  else process.env.AWS_ENDPOINT_URL_EC2 = savedEndpoint;
});

/** An endpoint that answers every request with `status`, `body`. */
async function endpointAnswering(status: number, body: string, contentType = "text/xml"): Promise<SdkEc2> {
  endpoint = new LoopbackServer((req, res: ServerResponse) => {
    req.resume();
    req.on("end", () => res.writeHead(status, { "content-type": contentType }).end(body));
  });
  process.env.AWS_ENDPOINT_URL_EC2 = await endpoint.start();
  return new SdkEc2(createEc2Client({ region: "eu-west-1", timeouts, credentials }), () => AbortSignal.timeout(30_000));
}

const ec2Xml = (action: string, inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>${inner}</${action}Response>`;

async function failureOf(pending: Promise<unknown>): Promise<AwsHaError> {
  const failure = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(failure).toBeInstanceOf(AwsHaError);
  return failure as AwsHaError;
}

describe("a proxy or another service answering on the EC2 endpoint", () => {
  it("reports a 400 with a JSON body as not EC2's XML, on one line, sending the operator to the endpoint", async () => {
    const ec2 = await endpointAnswering(400, '{"message":"request blocked by policy"}', "application/json");
    const failure = await failureOf(ec2.routeTo(RTB, "192.168.100.1/32", "eni-0aaaaaaaaaaaaaaa1"));
    expect(failure.kind).toBe("cloud");
    expect(failure.describe()).toMatch(
      /^rtb-0aaaaaaaaaaaaaaa1 192\.168\.100\.1\/32: EC2 answered ReplaceRoute with something that is not EC2's XML \(HTTP status 400; /,
    );
    expect(failure.describe()).not.toMatch(/\n|\(Error\)|cluster description/);
    expect(failure.details.fix).toMatch(/proxy/);
    expect(failure.cause).toBeInstanceOf(Error);
  });

  it("reports a 403 HTML page without an error code the same way", async () => {
    const ec2 = await endpointAnswering(403, "<html><body><h1>403 Forbidden</h1></body></html>", "text/html");
    const failure = await failureOf(ec2.routeTo(RTB, "192.168.100.1/32", "eni-0aaaaaaaaaaaaaaa1"));
    expect(failure.message).toBe(
      "EC2 answered ReplaceRoute with something that is not EC2's XML (HTTP status 403; it names no error code)",
    );
  });

  it("reports a 200 that repeats a single-valued element as not EC2's XML", async () => {
    const ec2 = await endpointAnswering(
      200,
      ec2Xml(
        "DescribeVolumes",
        `<volumeSet><item><volumeId>${VOL}</volumeId><volumeId>${VOL}</volumeId><status>available</status></item></volumeSet>`,
      ),
    );
    const failure = await failureOf(ec2.describeVolume(VOL));
    expect(failure.message).toMatch(/^EC2 answered DescribeVolumes with something that is not EC2's XML \(HTTP status 200; /);
    expect(failure.describe()).not.toMatch(/\n/);
  });
});

describe("states that EC2 does not send, in an answer that is otherwise EC2's", () => {
  it("refuses <instanceState><name>available</name> instead of passing it on to fencing", async () => {
    const ec2 = await endpointAnswering(
      200,
      ec2Xml(
        "DescribeInstances",
        `<reservationSet><item><instancesSet><item><instanceId>${PEER}</instanceId>` +
          `<instanceState><code>16</code><name>available</name></instanceState></item></instancesSet></item></reservationSet>`,
      ),
    );
    const failure = await failureOf(ec2.describeInstance(PEER));
    expect(failure.kind).toBe("cloud");
    expect(failure.message).toBe(
      'EC2 DescribeInstances answered "available" as the instance state (instanceState.name), which EC2 does not send',
    );
  });

  it("refuses <status>blackhole</status> as a volume's state", async () => {
    const ec2 = await endpointAnswering(
      200,
      ec2Xml("DescribeVolumes", `<volumeSet><item><volumeId>${VOL}</volumeId><status>blackhole</status></item></volumeSet>`),
    );
    const failure = await failureOf(ec2.describeVolume(VOL));
    expect(failure.message).toBe('EC2 DescribeVolumes answered "blackhole" as the volume state (status), which EC2 does not send');
  });

  it('refuses an attachment status "stopped"', async () => {
    const ec2 = await endpointAnswering(
      200,
      ec2Xml(
        "DescribeVolumes",
        `<volumeSet><item><volumeId>${VOL}</volumeId><status>in-use</status>` +
          `<attachmentSet><item><instanceId>${PEER}</instanceId><status>stopped</status><device>/dev/sdf</device></item></attachmentSet></item></volumeSet>`,
      ),
    );
    const failure = await failureOf(ec2.describeVolume(VOL));
    expect(failure.message).toBe(
      'EC2 DescribeVolumes answered "stopped" as the attachment state (attachmentSet.item.status), which EC2 does not send',
    );
  });
});
