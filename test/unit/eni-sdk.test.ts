import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import {
  AttachNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  DetachNetworkInterfaceCommand,
  EC2Client,
  EC2ServiceException,
  type AttachmentStatus,
} from "@aws-sdk/client-ec2";
import { SdkEc2 } from "../../src/cloud/ec2-sdk";

// The SDK adapter's whole-ENI calls against a mocked EC2Client: the attach as the API reference
// takes it, and a detach sent only while the attachment is still the one asked for, read again
// before every attempt (DetachNetworkInterface has no condition: a retry could detach a peer's).

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

const ENI = "eni-0eeeeeeeeeeeeeee1";
const ME = "i-0aaaaaaaaaaaaaaa1";
const PEER = "i-0bbbbbbbbbbbbbbb2";

const attachedTo = (instanceId: string, attachmentId: string, Status: AttachmentStatus = "attached") => ({
  NetworkInterfaces: [
    {
      NetworkInterfaceId: ENI,
      AvailabilityZone: "eu-west-1a",
      MacAddress: "0e:aa:bb:cc:dd:01",
      Attachment: { AttachmentId: attachmentId, InstanceId: instanceId, DeviceIndex: 1, Status },
    },
  ],
});
const throttled = () =>
  new EC2ServiceException({
    name: "RequestLimitExceeded",
    message: "Request limit exceeded.",
    $fault: "server",
    $metadata: { httpStatusCode: 503 },
  });

let ec2: SdkEc2;
beforeEach(() => {
  ec2Mock.reset();
  const signal = new AbortController().signal;
  ec2 = new SdkEc2(new EC2Client({ region: "eu-west-1", credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" } }), () => signal);
});

const sent = () => ec2Mock.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ""));
const inputOf = (n: number) => ec2Mock.call(n).args[0].input as unknown as Record<string, unknown>;

describe("moving a whole ENI", () => {
  it("attaches it at the device index and returns the attachment id", async () => {
    ec2Mock.on(AttachNetworkInterfaceCommand).resolves({ AttachmentId: "eni-attach-0new" });
    await expect(ec2.attachEni(ENI, ME, 1)).resolves.toBe("eni-attach-0new");
    expect(inputOf(0)).toEqual({ NetworkInterfaceId: ENI, InstanceId: ME, DeviceIndex: 1 });
  });

  it("detaches our attachment by its id, without Force unless asked", async () => {
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves(attachedTo(ME, "eni-attach-0ours"));
    ec2Mock.on(DetachNetworkInterfaceCommand).resolves({});
    await expect(ec2.detachEniFrom(ENI, ME, false)).resolves.toBe(true);
    expect(sent()).toEqual(["DescribeNetworkInterfaces", "DetachNetworkInterface"]);
    expect(inputOf(1)).toEqual({ AttachmentId: "eni-attach-0ours" });
    await expect(ec2.detachEniFrom(ENI, ME, true)).resolves.toBe(true);
    expect(inputOf(3)).toEqual({ AttachmentId: "eni-attach-0ours", Force: true });
  });

  it("detaches nothing once the ENI is the peer's, or its own detach is under way", async () => {
    ec2Mock
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce(attachedTo(PEER, "eni-attach-0peer"))
      .resolves(attachedTo(ME, "eni-attach-0ours", "detaching"));
    await expect(ec2.detachEniFrom(ENI, ME, false)).resolves.toBe(false);
    await expect(ec2.detachEniFrom(ENI, ME, false)).resolves.toBe(false);
    expect(sent()).toEqual(["DescribeNetworkInterfaces", "DescribeNetworkInterfaces"]);
  });

  it("checks again before it retries a throttled detach, and leaves the attachment the peer made meanwhile", async () => {
    ec2Mock
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce(attachedTo(ME, "eni-attach-0ours"))
      .resolves(attachedTo(PEER, "eni-attach-0peer"));
    ec2Mock.on(DetachNetworkInterfaceCommand).rejects(throttled());
    await expect(ec2.detachEniFrom(ENI, ME, false)).resolves.toBe(false);
    expect(sent()).toEqual(["DescribeNetworkInterfaces", "DetachNetworkInterface", "DescribeNetworkInterfaces"]);
  });
});
