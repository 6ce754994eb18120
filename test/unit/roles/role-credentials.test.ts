import { describe, expect, it } from "vitest";
import { RoleCredentials, renewBeforeMs, type TemporaryCredentials } from "../../../src/cloud/roles/role-credentials";
import { assumeRoleFailure } from "../../../src/cloud/roles/sts-errors";
import { AwsHaError } from "../../../src/errors";
import { RolePorts } from "../../../src/session/role-ports";
import { clusterOf } from "../support/cluster";

// A role's keys are assumed on first use, kept for the process (a resident reader lives for weeks),
// renewed five minutes before they expire, and a failed AssumeRole is not kept: the next event
// asks STS again. The clock is the test's.

const hour = 3_600_000;

function sts(now: () => number) {
  const issued: TemporaryCredentials[] = [];
  let failNext: Error | undefined;
  const assume = async (): Promise<TemporaryCredentials> => {
    if (failNext) {
      const e = failNext;
      failNext = undefined;
      throw e;
    }
    const keys = { accessKeyId: `ASIA${issued.length}`, secretAccessKey: "s", sessionToken: "t", expiration: new Date(now() + hour) };
    issued.push(keys);
    return keys;
  };
  return { issued, assume, failOnce: (e: Error) => (failNext = e) };
}

describe("a role's keys over the life of a process", () => {
  it("assumes on the first use, keeps the keys until five minutes before they expire, then assumes again", async () => {
    let now = 1_000_000;
    const stand = sts(() => now);
    const keys = new RoleCredentials(
      stand.assume,
      () => now,
      () => now,
    );

    const first = await keys.get();
    now += hour - renewBeforeMs - 1;
    expect(await keys.get()).toBe(first);
    expect(stand.issued).toHaveLength(1);

    now += 1;
    const second = await keys.get();
    expect(second).not.toBe(first);
    expect(second.accessKeyId).toBe("ASIA1");
    expect(stand.issued).toHaveLength(2);
  });

  it("a wall clock stepped back after the AssumeRole does not stretch the keys past their real life", async () => {
    let wall = 1_000_000;
    let elapsed = 0;
    const stand = sts(() => wall);
    const keys = new RoleCredentials(
      stand.assume,
      () => wall,
      () => elapsed,
    );

    const first = await keys.get();
    wall -= 2 * hour; // NTP steps the clock back two hours
    elapsed += hour - renewBeforeMs - 1;
    expect(await keys.get()).toBe(first);
    elapsed += 1;
    expect(await keys.get()).not.toBe(first);
    expect(stand.issued).toHaveLength(2);
  });

  it("callers that ask at once share one AssumeRole", async () => {
    const stand = sts(() => 0);
    const keys = new RoleCredentials(
      stand.assume,
      () => 0,
      () => 0,
    );
    const all = await Promise.all([keys.get(), keys.get(), keys.get()]);
    expect(stand.issued).toHaveLength(1);
    expect(new Set(all).size).toBe(1);
  });

  it("a failed AssumeRole is not kept: the next use asks STS again", async () => {
    const stand = sts(() => 0);
    const keys = new RoleCredentials(
      stand.assume,
      () => 0,
      () => 0,
    );
    stand.failOnce(new Error("AccessDenied"));
    await expect(keys.get()).rejects.toThrow("AccessDenied");
    expect((await keys.get()).accessKeyId).toBe("ASIA0");
  });
});

describe("who pays for STS", () => {
  it("a description without roles gets no role ports and no way to assume one", async () => {
    const { buildPorts } = await import("../../../src/session/ports");
    const { memoryLog } = await import("../support/memory-log");
    const ports = buildPorts(clusterOf([{ kind: "vip", name: "web-vip", address: "10.0.1.100" }]), memoryLog().log, {});
    expect(ports.roleKeys).toBeUndefined();
  });

  it("STS's client is imported on the first AssumeRole, once for every role, and not before", async () => {
    let loads = 0;
    const d = clusterOf([{ kind: "vip", name: "web-vip", address: "10.0.1.100" }], {
      assumeRole: { roleArn: "arn:aws:iam::444455556666:role/shared-vpc" },
    });
    const ports = new RolePorts(d, {
      loadSts: async () => {
        loads += 1;
        return {
          createStsClient: () => ({}) as never,
          assumeRole: async () => ({
            accessKeyId: "ASIA",
            secretAccessKey: "s",
            sessionToken: "t",
            expiration: new Date(Date.now() + hour),
          }),
          sessionSeconds: 3600,
        } as never;
      },
    });
    const shared = ports.credentialsOf({ roleArn: "arn:aws:iam::444455556666:role/shared-vpc" });
    const dns = ports.credentialsOf({ roleArn: "arn:aws:iam::222233334444:role/dns" });
    expect(loads).toBe(0);
    await Promise.all([shared(), dns(), shared()]);
    expect(loads).toBe(1);
  });
});

describe("a refused AssumeRole says what to fix", () => {
  const role = { roleArn: "arn:aws:iam::222233334444:role/dns", externalId: "web-cluster" };
  const stsError = (name: string, status: number) =>
    Object.assign(new Error(`${name} from STS`), { name, $fault: "client", $metadata: { httpStatusCode: status, requestId: "req-1" } });

  it("AccessDenied names the role, its trust policy and the external id", () => {
    const e = assumeRoleFailure(role, stsError("AccessDenied", 403));
    expect(e).toBeInstanceOf(AwsHaError);
    expect(e.kind).toBe("permission");
    expect(e.message).toBe("STS refused to let this node assume role arn:aws:iam::222233334444:role/dns (AccessDenied)");
    expect(e.details.fix).toContain("the trust policy of arn:aws:iam::222233334444:role/dns");
    expect(e.details.fix).toContain("assumeRole.externalId");
    expect(e.details.requestId).toBe("req-1");
  });

  it("an expired token of the node's own is the node's credentials, not the role's trust", () => {
    const e = assumeRoleFailure(role, stsError("ExpiredToken", 400));
    expect(e.message).toContain("did not accept the node's own credentials");
    expect(e.details.fix).toContain("instance profile");
  });

  it("STS unreachable names STS's endpoint", () => {
    const e = assumeRoleFailure(role, Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }));
    expect(e.message).toContain("cannot reach STS");
    expect(e.details.fix).toContain("AWS_ENDPOINT_URL_STS");
  });

  it("no credentials of the node's own to sign with", () => {
    const e = assumeRoleFailure(
      role,
      Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
    );
    expect(e.message).toContain("cannot assume role arn:aws:iam::222233334444:role/dns");
    expect(e.details.fix).toContain("the node's own credentials");
  });
});
