import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { afterEach, describe, expect, it } from "vitest";
import { createStsClient, assumeRole } from "../../src/cloud/roles/sts-sdk";
import { timeoutsSchema } from "../../src/cluster/schema";
import { AwsHaError } from "../../src/errors";
import { issuedKeyOf } from "../support/sts-standin/issued-keys";
import { startStsServer, type StsServer } from "../support/sts-standin/server";

// The STS stand-in as the real @aws-sdk/client-sts sees it over HTTP: AssumeRole judged by the
// role's trust (caller, external id), STS's validation errors, injected throttling the SDK retries,
// and keys the other stand-ins recognise.

const role = "arn:aws:iam::222233334444:role/dns";
const nodeKey = { accessKeyId: "AKIAITESTSTANDIN0009", secretAccessKey: "itest-standin-secret" };

let sts: StsServer | undefined;
afterEach(async () => {
  await sts?.close();
  sts = undefined;
});

function client(server: StsServer, credentials = nodeKey): STSClient {
  return new STSClient({ region: "eu-west-1", endpoint: server.url, credentials, maxAttempts: 3 });
}

describe("the STS stand-in", () => {
  it("hands a trusted caller the role's keys, which name the assumed role and expire when it says", async () => {
    sts = await startStsServer({ roles: [{ roleArn: role, trustedCallers: [nodeKey.accessKeyId], externalId: "zone-42" }] });

    const out = await client(sts).send(
      new AssumeRoleCommand({ RoleArn: role, RoleSessionName: "aws-ha-lb-a", ExternalId: "zone-42", DurationSeconds: 900 }),
    );

    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::222233334444:assumed-role/dns/aws-ha-lb-a");
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(out.Credentials!.Expiration!.getTime() - Date.now()).toBeGreaterThan(890_000);
    const issued = issuedKeyOf(`AWS4-HMAC-SHA256 Credential=${out.Credentials!.AccessKeyId}/20260101/eu-west-1/ec2/aws4_request`);
    expect(issued?.principal).toBe("arn:aws:sts::222233334444:assumed-role/dns/aws-ha-lb-a");
    expect(sts.calls()).toMatchObject([
      { action: "AssumeRole", roleArn: role, externalId: "zone-42", caller: `arn:aws:iam::111122223333:user/${nodeKey.accessKeyId}` },
    ]);
  });

  it.each([
    ["a caller the trust does not name", { accessKeyId: "AKIAITESTSOMEONE0001", secretAccessKey: "x" }, "zone-42"],
    ["no external id", nodeKey, undefined],
    ["another external id", nodeKey, "zone-43"],
  ])("denies %s with AccessDenied (403)", async (_what, credentials, externalId) => {
    sts = await startStsServer({ roles: [{ roleArn: role, trustedCallers: [nodeKey.accessKeyId], externalId: "zone-42" }] });

    const e = await client(sts, credentials)
      .send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: "aws-ha-lb-a", ...(externalId ? { ExternalId: externalId } : {}) }))
      .catch((x: unknown) => x as Error & { $metadata: { httpStatusCode: number } });

    expect((e as Error).name).toBe("AccessDenied");
    expect(e.$metadata.httpStatusCode).toBe(403);
  });

  it("refuses what STS refuses before it looks at trust: a bad session name, a bad duration, a policy that is not JSON", async () => {
    sts = await startStsServer({ roles: [{ roleArn: role }] });
    const send = (input: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]>) =>
      client(sts!)
        .send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: "aws-ha-lb-a", ...input }))
        .catch((x: unknown) => (x as Error).name);

    expect(await send({ RoleSessionName: "has space" })).toBe("ValidationError");
    expect(await send({ DurationSeconds: 60 })).toBe("ValidationError");
    // STS's wire code MalformedPolicyDocument, as the SDK names its modelled error.
    expect(await send({ Policy: "{not json" })).toBe("MalformedPolicyDocumentException");
  });

  it("throttles when told to, and the SDK's retries in aws-ha's client get through", async () => {
    sts = await startStsServer({ roles: [{ roleArn: role }] });
    sts.faults.fail("Throttling", 400, 2);
    process.env.AWS_ENDPOINT_URL_STS = sts.url;
    process.env.AWS_ACCESS_KEY_ID = nodeKey.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = nodeKey.secretAccessKey;
    try {
      const keys = await assumeRole(
        createStsClient({ region: "eu-west-1", timeouts: timeoutsSchema.parse({}) }),
        { roleArn: role },
        "aws-ha-lb-a",
      );
      expect(keys.accessKeyId).toMatch(/^ASIA/);
      expect(sts.calls().map((c) => c.error)).toEqual(["Throttling", "Throttling", undefined]);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_STS;
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  it("aws-ha's AssumeRole turns an unreachable STS into an error that names STS's endpoint", async () => {
    sts = await startStsServer({ roles: [] });
    const url = sts.url;
    await sts.close();
    sts = undefined;
    process.env.AWS_ENDPOINT_URL_STS = url;
    process.env.AWS_ACCESS_KEY_ID = nodeKey.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = nodeKey.secretAccessKey;
    try {
      const e = await assumeRole(
        createStsClient({ region: "eu-west-1", timeouts: timeoutsSchema.parse({}) }),
        { roleArn: role },
        "aws-ha-lb-a",
      ).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AwsHaError);
      expect((e as AwsHaError).message).toContain("cannot reach STS");
      expect((e as AwsHaError).details.fix).toContain("AWS_ENDPOINT_URL_STS");
    } finally {
      delete process.env.AWS_ENDPOINT_URL_STS;
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });
});
