import { describe, expect, it } from "vitest";
import { EC2ServiceException } from "@aws-sdk/client-ec2";
import { awsCodeOf, ec2Failure, isRequestRefusal } from "../../src/cloud/ec2-errors";
import { AwsHaError } from "../../src/errors";

// What the operator reads when EC2 says no: the kind decides the exit code, the message names the
// action, and the fix says what to change.

const ec2Says = (code: string, message: string, status = 400) =>
  new EC2ServiceException({ name: code, message, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status } });

describe("mapping EC2's answers to what the operator must do", () => {
  it("turns a denial into a permission error naming the action to grant", () => {
    const e = ec2Failure(
      "AttachVolume",
      ec2Says("UnauthorizedOperation", "You are not authorized to perform this operation.", 403),
      "vol-0aaaaaaaaaaaaaaa1",
    );
    expect(e.kind).toBe("permission");
    expect(e.message).toBe("EC2 denied AttachVolume (UnauthorizedOperation)");
    expect(e.details).toEqual({
      resource: "vol-0aaaaaaaaaaaaaaa1",
      awsCode: "UnauthorizedOperation",
      httpStatus: 403,
      fix: "add ec2:AttachVolume to the node's role (aws-ha-gen iam-policy prints the policy)",
    });
  });

  it("treats AccessDenied like UnauthorizedOperation", () => {
    expect(ec2Failure("StopInstances", ec2Says("AccessDenied", "Access Denied", 403))).toMatchObject({
      kind: "permission",
      message: "EC2 denied StopInstances (AccessDenied)",
    });
  });

  it("points an AuthFailure at the node's credentials", () => {
    const e = ec2Failure("DescribeInstances", ec2Says("AuthFailure", "AWS was not able to validate the provided access credentials", 401));
    expect(e.kind).toBe("permission");
    expect(e.details.fix).toMatch(/credentials/);
  });

  it("names the missing id that EC2 names, and sends the operator to the description", () => {
    const e = ec2Failure(
      "DescribeVolumes",
      ec2Says("InvalidVolume.NotFound", "The volume 'vol-0ccccccccccccccc3' does not exist."),
      "vol-0ccccccccccccccc3",
    );
    expect(e.kind).toBe("config");
    expect(e.message).toBe("EC2 DescribeVolumes: volume vol-0ccccccccccccccc3 does not exist (InvalidVolume.NotFound)");
    expect(e.details.fix).toMatch(/cluster description/);
  });

  it("falls back to the id the call was about when EC2's message names none", () => {
    const e = ec2Failure(
      "AssociateAddress",
      ec2Says("InvalidAllocationID.NotFound", "The allocation ID does not exist"),
      "eipalloc-0aaaaaaaaaaaaaaa1",
    );
    expect(e.message).toContain("Elastic IP allocation eipalloc-0aaaaaaaaaaaaaaa1 does not exist");
  });

  it("calls a volume in another AZ a description problem", () => {
    const e = ec2Failure(
      "AttachVolume",
      ec2Says("InvalidVolume.ZoneMismatch", "The volume 'vol-1' is not in the same availability zone as instance 'i-1'"),
    );
    expect(e.kind).toBe("config");
    expect(e.message).toMatch(/different availability zones/);
  });

  it("says an IPv6 address in use elsewhere must be unassigned there first", () => {
    const e = ec2Failure(
      "AssignIpv6Addresses",
      ec2Says("InvalidIPAddress.InUse", "Address 2001:db8:0:1::100 is in use."),
      "eni-0aaaaaaaaaaaaaaa1",
    );
    expect(e.kind).toBe("conflict");
    expect(e.message).toBe("EC2 refused AssignIpv6Addresses: another network interface carries the address (InvalidIPAddress.InUse)");
    expect(e.details.awsCode).toBe("InvalidIPAddress.InUse");
    expect(e.details.fix).toMatch(/unassigned from the interface that carries it.*aws-ha-notify show/);
  });

  it("says an ENI still attached elsewhere must be let go or its holder fenced", () => {
    const e = ec2Failure(
      "AttachNetworkInterface",
      ec2Says("InvalidNetworkInterface.InUse", "Interface: [eni-0ccccccccccccccc3] in use."),
      "eni-0ccccccccccccccc3",
    );
    expect(e.kind).toBe("conflict");
    expect(e.message).toBe(
      "EC2 refused AttachNetworkInterface: network interface eni-0ccccccccccccccc3 is attached to an instance (InvalidNetworkInterface.InUse)",
    );
    expect(e.details.fix).toMatch(/fencing/);
  });

  it.each(["VolumeInUse", "IncorrectState", "IncorrectInstanceState", "Resource.AlreadyAssociated"])(
    "calls %s a conflict with another holder",
    (code) => {
      const e = ec2Failure("AttachVolume", ec2Says(code, "vol-0aaaaaaaaaaaaaaa1 is already attached to an instance"));
      expect(e.kind).toBe("conflict");
      expect(e.details.awsCode).toBe(code);
      expect(e.message).toContain("already attached");
    },
  );

  it("reports throttling that outlasted the retries as a cloud failure", () => {
    const e = ec2Failure("ReplaceRoute", ec2Says("RequestLimitExceeded", "Request limit exceeded.", 503));
    expect(e).toMatchObject({ kind: "cloud", details: { awsCode: "RequestLimitExceeded" } });
    expect(e.message).toContain("throttled ReplaceRoute");
  });

  it("reports a 5xx that outlasted the retries as a cloud failure", () => {
    const e = ec2Failure("AssociateAddress", ec2Says("InternalError", "An internal error has occurred", 500));
    expect(e).toMatchObject({ kind: "cloud", message: expect.stringContaining("HTTP 500") });
  });

  it("reports the SDK's request timeout as a cloud failure, not as an unreachable network", () => {
    const timeout = Object.assign(new Error("a request has exceeded the configured 5000 ms requestTimeout"), {
      name: "TimeoutError",
      code: "ETIMEDOUT",
    });
    const e = ec2Failure("DescribeVolumes", timeout);
    expect(e).toMatchObject({ kind: "cloud", details: { awsCode: "TimeoutError" } });
    expect(e.details.fix).toMatch(/timeouts\.request/);
  });

  it("reports the deadline's abort as a cloud failure that names the transition deadline", () => {
    const abort = Object.assign(new Error("Request aborted"), { name: "AbortError" });
    const e = ec2Failure("AttachVolume", abort);
    expect(e).toMatchObject({ kind: "cloud", details: { awsCode: "AbortError" } });
    expect(e.message).toMatch(/deadline/);
  });

  it("reports a refused connection as EC2 unreachable", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(ec2Failure("DescribeInstances", refused)).toMatchObject({
      kind: "cloud",
      message: "cannot reach EC2 for DescribeInstances (ECONNREFUSED)",
    });
    expect(awsCodeOf(new Error("wrapped", { cause: refused }))).toBe("ECONNREFUSED");
  });

  it("keeps EC2's own words for client errors it has no special advice for", () => {
    const e = ec2Failure(
      "AssignPrivateIpAddresses",
      ec2Says("InvalidParameterValue", "Address 10.9.9.9 does not fall within the subnet's address range"),
    );
    expect(e.kind).toBe("cloud");
    expect(e.message).toContain("does not fall within the subnet's address range");
    expect(e.message).toContain("AssignPrivateIpAddresses");
  });

  it("leaves an AwsHaError as it is", () => {
    const original = new AwsHaError("timeout", "the transition deadline passed");
    expect(ec2Failure("AttachVolume", original)).toBe(original);
  });

  it("wraps an unexpected failure without inventing an AWS code", () => {
    const e = ec2Failure("DescribeVolumes", new TypeError("cannot read properties of undefined"));
    expect(e.kind).toBe("cloud");
    expect(e.details.awsCode).toBeUndefined();
    expect(e.message).toBe("EC2 DescribeVolumes failed: cannot read properties of undefined");
  });
});

// What the SDK throws when the answer is not EC2's XML: its parser's message, a hint on a second line,
// the HTTP status, and no EC2 error code ($fault) — the error its deserializer middleware makes.
function unreadableAnswer(parserMessage: string, status: number): Error {
  const e = new Error(
    `${parserMessage}\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.`,
  );
  Object.defineProperty(e, "$response", { value: { statusCode: status, body: "<html>" }, enumerable: false });
  return Object.assign(e, { $metadata: { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 } });
}

describe("what AWS support asks for, kept inside ours", () => {
  const withRequestId = (error: EC2ServiceException, requestId: string) => ((error.$metadata = { ...error.$metadata, requestId }), error);

  it("keeps the SDK's error as the cause, and EC2's code, request id and HTTP status in the details", () => {
    const sdkError = withRequestId(
      ec2Says("IncorrectState", "Volume 'vol-0aaaaaaaaaaaaaaa1' is in the 'in-use' state."),
      "59dbff89-35bd-4eac-99ed-be587EXAMPLE",
    );
    const e = ec2Failure("AttachVolume", sdkError, "vol-0aaaaaaaaaaaaaaa1");
    expect(e.cause).toBe(sdkError);
    expect(e.details).toMatchObject({ awsCode: "IncorrectState", requestId: "59dbff89-35bd-4eac-99ed-be587EXAMPLE", httpStatus: 400 });
  });

  it("keeps them for a denial and an unknown id too, whatever the kind of the error", () => {
    const denied = ec2Failure("StopInstances", withRequestId(ec2Says("UnauthorizedOperation", "no", 403), "req-denied"));
    const unknown = ec2Failure(
      "DescribeVolumes",
      withRequestId(ec2Says("InvalidVolume.NotFound", "The volume 'vol-0abc' does not exist."), "req-nf"),
    );
    expect([denied.kind, denied.details.requestId, denied.cause instanceof EC2ServiceException]).toEqual([
      "permission",
      "req-denied",
      true,
    ]);
    expect([unknown.kind, unknown.details.requestId, unknown.cause instanceof EC2ServiceException]).toEqual(["config", "req-nf", true]);
  });

  it("keeps the network's error as the cause when EC2 could not be reached", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const e = ec2Failure("DescribeInstances", refused);
    expect(e.cause).toBe(refused);
    expect(e.details.requestId).toBeUndefined();
  });

  it("keeps an unexpected failure as the cause", () => {
    const odd = new RangeError("something odd");
    expect(ec2Failure("DescribeInstances", odd).cause).toBe(odd);
  });
});

describe("an answer that is not EC2's", () => {
  it("calls a proxy's HTML page on a 400 what it is, on one line, and points at the endpoint and proxy", () => {
    const sdkError = unreadableAnswer("@aws-sdk XML parse error: unexpected content.", 400);
    const e = ec2Failure("DeleteRoute", sdkError, "rtb-0aaaaaaaaaaaaaaa1 192.168.100.1/32");
    expect(e.kind).toBe("cloud");
    expect(e.message).toBe(
      "EC2 answered DeleteRoute with something that is not EC2's XML (HTTP status 400; @aws-sdk XML parse error: unexpected content.)",
    );
    expect(e.details.awsCode).toBeUndefined();
    expect(e.details.fix).toMatch(/endpoint/);
    expect(e.details.fix).toMatch(/proxy/);
    expect(e.details.fix).not.toMatch(/cluster description/);
    expect(e.describe()).not.toMatch(/\n/);
    expect(e.cause).toBe(sdkError);
  });

  it("says the same of a 200 whose XML EC2 would not send (a scalar element repeated)", () => {
    const e = ec2Failure(
      "DescribeVolumes",
      unreadableAnswer("@aws-sdk/core/protocols - xml deserializer unhandled schema type for VolumeId", 200),
    );
    expect(e.message).toMatch(/^EC2 answered DescribeVolumes with something that is not EC2's XML \(HTTP status 200; /);
    expect(e.describe()).not.toMatch(/\n|\(Error\)/);
  });

  it("escapes and bounds what the parser says, so a hostile answer cannot forge a line", () => {
    const e = ec2Failure("DescribeVolumes", unreadableAnswer(`unexpected \u001b[31m${"x".repeat(5_000)}`, 400));
    expect(e.describe()).not.toContain("\u001b");
    expect(e.describe()).toContain("unexpected \\x1b[31m");
    expect(e.describe().length).toBeLessThan(1_000);
  });

  it('treats an error envelope with no error code in it (the SDK\'s "Unknown") on a 4xx the same way', () => {
    const e = ec2Failure("DeleteRoute", ec2Says("Unknown", "Unknown", 403));
    expect(e.kind).toBe("cloud");
    expect(e.message).toBe("EC2 answered DeleteRoute with something that is not EC2's XML (HTTP status 403; it names no error code)");
    expect(e.details.awsCode).toBeUndefined();
  });

  it("says so of an answer that is not even HTTP (Node's parser refused it)", () => {
    const notHttp = Object.assign(new Error("Parse Error: Expected HTTP/, RTSP/ or ICE/"), {
      code: "HPE_INVALID_CONSTANT",
      $metadata: { attempts: 1, totalRetryDelay: 0 },
    });
    const e = ec2Failure("DescribeVolumes", notHttp, "vol-0aaaaaaaaaaaaaaa1");
    expect(e).toMatchObject({
      kind: "cloud",
      message:
        "EC2 answered DescribeVolumes with something that is not EC2's XML (not even HTTP; Parse Error: Expected HTTP/, RTSP/ or ICE/)",
    });
    expect(e.details.awsCode).toBeUndefined();
    expect(e.details.fix).toMatch(/proxy/);
  });

  it("is not a refusal of the request: a DryRun probe answered by a proxy proves nothing either way", () => {
    expect(isRequestRefusal(unreadableAnswer("@aws-sdk XML parse error: unexpected content.", 400))).toBe(false);
    expect(awsCodeOf(unreadableAnswer("@aws-sdk XML parse error: unexpected content.", 400))).toBeUndefined();
  });
});
