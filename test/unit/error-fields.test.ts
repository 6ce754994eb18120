import { PassThrough } from "node:stream";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { AttachVolumeCommand, EC2Client, EC2ServiceException } from "@aws-sdk/client-ec2";
import { SdkEc2 } from "../../src/cloud/ec2-sdk";
import { AwsHaError } from "../../src/errors";
import type { Resource, TransitionContext } from "../../src/kinds/resource";
import { errorFields, Logger, StreamSink } from "../../src/log";
import { Deadline } from "../../src/time/deadline";
import { executePlan } from "../../src/transition/execute";
import { planTransition } from "../../src/transition/plan";

// When EC2 refuses, AWS support asks for the request id, and whoever reads the log wants EC2's code
// and what lay under our message. A JSON record always carries them; a text line only at --verbose,
// where the operator asked for more than the one line that says what to do.

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

const VOL = "vol-0aaaaaaaaaaaaaaa1";
const ME = "i-0aaaaaaaaaaaaaaa1";
const REQUEST_ID = "59dbff89-35bd-4eac-99ed-be587EXAMPLE";
const IN_USE = `Volume '${VOL}' is in the 'in-use' state.`;

function stderrOf(format: "text" | "json", verbose: boolean): { log: Logger; lines: () => string[] } {
  const stream = new PassThrough();
  let text = "";
  stream.setEncoding("utf8").on("data", (s: string) => (text += s));
  const log = new Logger([new StreamSink(stream, format, verbose ? "debug" : "info")]);
  return { log, lines: () => text.split("\n").slice(0, -1) };
}

/** What the adapter throws when EC2 refuses to attach a volume that is in use elsewhere. */
async function attachRefused(): Promise<unknown> {
  ec2Mock.on(AttachVolumeCommand).rejects(
    new EC2ServiceException({
      name: "IncorrectState",
      message: IN_USE,
      $fault: "client",
      $metadata: { httpStatusCode: 400, requestId: REQUEST_ID },
    }),
  );
  const ec2 = new SdkEc2(
    new EC2Client({ region: "eu-west-1", credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" } }),
    () => new AbortController().signal,
  );
  return ec2.attachVolume(VOL, ME, "/dev/sdf").then(
    () => expect.fail("the attach should have been refused"),
    (e: unknown) => e,
  );
}

beforeEach(() => ec2Mock.reset());

describe("a failed EC2 call in the log", () => {
  it("as JSON, always carries EC2's code, the request id, the HTTP status and the SDK's error as the cause", async () => {
    const { log, lines } = stderrOf("json", false);
    log.failure(await attachRefused());
    const [line, ...more] = lines();
    expect(more).toEqual([]);
    expect(JSON.parse(line!)).toMatchObject({
      level: "error",
      msg: expect.stringContaining("EC2 refused AttachVolume"),
      awsCode: "IncorrectState",
      requestId: REQUEST_ID,
      httpStatus: 400,
      cause: `IncorrectState: ${IN_USE}`,
    });
  });

  it("as text, is the one line that says what to do, without them", async () => {
    const { log, lines } = stderrOf("text", false);
    log.failure(await attachRefused());
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatch(/^ERROR vol-0aaaaaaaaaaaaaaa1: EC2 refused AttachVolume: .*\(IncorrectState\); another node/);
    expect(lines()[0]).not.toContain(REQUEST_ID);
    expect(lines()[0]).not.toContain("caused by");
  });

  it("as text at --verbose, ends with the request id, the code, the status and the cause", async () => {
    const { log, lines } = stderrOf("text", true);
    log.failure(await attachRefused());
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatch(/^ERROR vol-0aaaaaaaaaaaaaaa1: EC2 refused AttachVolume: /);
    expect(lines()[0]).toMatch(/; another node .*\)$/);
    expect(
      lines()[0]!.endsWith(` (AWS request id ${REQUEST_ID}, code IncorrectState, HTTP 400; caused by IncorrectState: ${IN_USE})`),
    ).toBe(true);
  });

  it("carries them from a failed step of a transition as well, next to the step's own fields", async () => {
    const { log, lines } = stderrOf("json", false);
    const refused = await attachRefused();
    const data: Resource = {
      name: "data",
      kind: "volume",
      dependsOn: [],
      inspectable: true,
      summary: () => "volume data",
      inspect: async () => ({ held: false, detail: "attached elsewhere" }),
      acquire: () => Promise.reject(refused as Error),
      release: async () => "unchanged",
    };
    const plan = planTransition({ direction: "acquire", cause: "MASTER" }, [data], new Map([["data", { held: false, detail: "" }]]));
    const [result] = await executePlan(plan, { log, deadline: new Deadline(10_000) } as unknown as TransitionContext);
    expect(result!.error).toBe(refused);
    expect(JSON.parse(lines()[0]!)).toMatchObject({
      msg: "acquire failed",
      resource: "data",
      awsCode: "IncorrectState",
      requestId: REQUEST_ID,
    });
  });

  it("comes out the same from any front end that logs log.error(text, errorFields(e))", async () => {
    const { log, lines } = stderrOf("json", false);
    const refused = await attachRefused();
    log.error("acquire failed", errorFields(refused));
    expect(JSON.parse(lines()[0]!)).toMatchObject({ msg: "acquire failed", awsCode: "IncorrectState", requestId: REQUEST_ID });
  });
});

describe("the fields of any error", () => {
  it("are none for an error with nothing under it, and for a thrown string", () => {
    expect(errorFields(new AwsHaError("host", "mount failed", { fix: "see dmesg" }))).toEqual({});
    expect(errorFields("a string")).toEqual({});
    expect(errorFields(undefined)).toEqual({});
  });

  it("name each cause with its code, a few levels deep and no further, each on one bounded line", () => {
    let deepest: Error = Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:1\nsecond line ${"x".repeat(100_000)}`), {
      code: "ECONNREFUSED",
    });
    for (let level = 0; level < 10; level++) deepest = new Error(`level ${level}`, { cause: deepest });
    const top = new AwsHaError("cloud", "cannot reach it", {}, { cause: new TypeError("fetch failed", { cause: deepest }) });
    const { cause } = errorFields(top);
    expect(cause).toBe("TypeError: fetch failed ← Error: level 9 ← Error: level 8");

    const near = new AwsHaError("cloud", "cannot reach it", {}, { cause: new TypeError("fetch failed", { cause: deepest.cause }) });
    expect(errorFields(near).cause).toMatch(/^TypeError: fetch failed ← Error: level 8 ← Error: level 7$/);
    const socket = new AwsHaError(
      "cloud",
      "x",
      {},
      { cause: Object.assign(new Error("connect ECONNREFUSED\nforged"), { code: "ECONNREFUSED" }) },
    );
    expect(errorFields(socket).cause).toBe("Error ECONNREFUSED: connect ECONNREFUSED");
    const long = new AwsHaError("cloud", "x", {}, { cause: new Error("y".repeat(100_000)) });
    expect(Buffer.byteLength(String(errorFields(long).cause))).toBeLessThanOrEqual(200);
  });

  it("find the request id of an SDK error that is itself the thing thrown", () => {
    const sdkError = new EC2ServiceException({
      name: "RequestLimitExceeded",
      message: "Request limit exceeded.",
      $fault: "client",
      $metadata: { httpStatusCode: 503, requestId: "req-1" },
    });
    expect(errorFields(sdkError)).toEqual({ awsCode: "RequestLimitExceeded", requestId: "req-1", httpStatus: 503 });
  });

  it("never show a secret, in JSON or in verbose text", () => {
    for (const format of ["json", "text"] as const) {
      const { log, lines } = stderrOf(format, true);
      log.redact("vrrp-s3cr3t");
      log.failure(new AwsHaError("host", "the hook failed", {}, { cause: new Error("hook said: auth_pass vrrp-s3cr3t is wrong") }));
      expect(lines()).toHaveLength(1);
      expect(lines()[0]).toContain("hook said: auth_pass [redacted] is wrong");
      expect(lines()[0]).not.toContain("s3cr3t");
    }
  });
});
