import { describe, expect, it } from "vitest";
import { eniView } from "../../src/cloud/ec2-views";

// EC2's DescribeNetworkInterfaces answer in the eni resource's words: the attachment decides who
// holds the ENI, so only the states EC2 documents are passed on, and a finished detach holds nothing.

const eniId = "eni-0abc000000000e001";
const answer = (attachment?: Record<string, unknown>) => ({
  NetworkInterfaceId: eniId,
  AvailabilityZone: "eu-west-1a",
  MacAddress: "0E:AA:BB:CC:DD:01",
  PrivateIpAddresses: [{ PrivateIpAddress: "10.0.1.200", Primary: true }],
  ...(attachment ? { Attachment: attachment } : {}),
});

describe("an ENI as EC2 describes it", () => {
  it("carries its MAC in lower case, its addresses and its attachment", () => {
    expect(eniView(answer({ AttachmentId: "eni-attach-0abc", InstanceId: "i-0b", DeviceIndex: 1, Status: "attaching" }), eniId)).toEqual({
      networkInterfaceId: eniId,
      availabilityZone: "eu-west-1a",
      macAddress: "0e:aa:bb:cc:dd:01",
      privateIps: ["10.0.1.200"],
      attachment: { attachmentId: "eni-attach-0abc", instanceId: "i-0b", deviceIndex: 1, state: "attaching" },
    });
  });

  it("an attachment whose detach has completed, or that names no instance, holds nothing", () => {
    expect(
      eniView(answer({ AttachmentId: "eni-attach-0abc", InstanceId: "i-0b", DeviceIndex: 1, Status: "detached" }), eniId).attachment,
    ).toBeUndefined();
    expect(eniView(answer({ AttachmentId: "eni-attach-0abc", Status: "attached" }), eniId).attachment).toBeUndefined();
    expect(eniView(answer(), eniId).attachment).toBeUndefined();
  });

  it("a state EC2 does not document is refused rather than guessed at", () => {
    expect(() => eniView(answer({ AttachmentId: "eni-attach-0abc", InstanceId: "i-0b", DeviceIndex: 1, Status: "moving" }), eniId)).toThrow(
      /EC2 DescribeNetworkInterfaces answered "moving" as the attachment state \(attachment.status\), which EC2 does not send/,
    );
  });
});
