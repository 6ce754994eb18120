import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeAddressesCommand, EC2Client, EC2ServiceException, ReplaceRouteCommand } from "@aws-sdk/client-ec2";
import { SdkEc2 } from "../../src/cloud/ec2-sdk";
import type { DryRunAction } from "../../src/cloud/ec2-port";

// `check` proves a permission with DryRun. The proof is worth something only if the DryRun is the
// request the takeover will really send, flags and all (AllowReassociation, Force, SkipOsShutdown):
// EC2 judges a request's parameters before, or instead of, its permission.

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

const ENI = "eni-0aaaaaaaaaaaaaaa1";
const RTB = "rtb-0aaaaaaaaaaaaaaa1";
const VOL = "vol-0aaaaaaaaaaaaaaa1";
const ALLOC = "eipalloc-0aaaaaaaaaaaaaaa1";
const ASSOC = "eipassoc-0aaaaaaaaaaaaaaa1";
const ME = "i-0aaaaaaaaaaaaaaa1";
const PEER = "i-0bbbbbbbbbbbbbbb2";

let ec2: SdkEc2;
beforeEach(() => {
  ec2Mock.reset();
  ec2 = new SdkEc2(
    new EC2Client({ region: "eu-west-1", credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" } }),
    () => new AbortController().signal,
  );
});

/** What the SDK was asked to send, by action, in order. */
const sentInputs = () =>
  ec2Mock.calls().map((c) => {
    const command = c.args[0] as unknown as { constructor: { name: string }; input: Record<string, unknown> };
    return { action: command.constructor.name.replace(/Command$/, ""), input: command.input };
  });

const wouldSucceed = () =>
  new EC2ServiceException({
    name: "DryRunOperation",
    message: "Request would have succeeded, but DryRun flag is set.",
    $fault: "client",
    $metadata: { httpStatusCode: 412 },
  });

/** The request the real call sent for `probe.action`, and the DryRun probe for it, as sent. */
async function realAndProbe(real: () => Promise<unknown>, probe: DryRunAction, ec2Answers = () => {}) {
  ec2Mock.onAnyCommand().resolves({ AssociationId: ASSOC });
  // The release reads the address before it lets it go: it is still on our ENI.
  ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [{ AllocationId: ALLOC, AssociationId: ASSOC, NetworkInterfaceId: ENI }] });
  ec2Answers();
  await real();
  const realCall = sentInputs().find((s) => s.action === probe.action);
  ec2Mock.reset();
  ec2Mock.onAnyCommand().rejects(wouldSucceed());
  await expect(ec2.dryRun(probe)).resolves.toBe("allowed");
  return { realCall, probeCall: sentInputs()[0] };
}

describe("a DryRun probe is the request the takeover sends, with DryRun set", () => {
  it.each<[string, () => Promise<unknown>, DryRunAction]>([
    [
      "AssociateAddress",
      () => ec2.associateAddress(ALLOC, ENI, "10.0.1.100"),
      { action: "AssociateAddress", allocationId: ALLOC, networkInterfaceId: ENI, privateIp: "10.0.1.100" },
    ],
    ["DisassociateAddress", () => ec2.disassociateAddressFrom(ALLOC, ENI), { action: "DisassociateAddress", associationId: ASSOC }],
    [
      "ReplaceRoute",
      () => ec2.routeTo(RTB, "10.9.0.0/16", ENI),
      { action: "ReplaceRoute", routeTableId: RTB, cidr: "10.9.0.0/16", networkInterfaceId: ENI },
    ],
    [
      "AttachVolume",
      () => ec2.attachVolume(VOL, ME, "/dev/sdf"),
      { action: "AttachVolume", volumeId: VOL, instanceId: ME, device: "/dev/sdf" },
    ],
    ["DetachVolume", () => ec2.detachVolume(VOL, PEER, false), { action: "DetachVolume", volumeId: VOL, instanceId: PEER }],
    ["StopInstances", () => ec2.stopInstance(PEER), { action: "StopInstances", instanceId: PEER }],
  ])("%s", async (action, real, probe) => {
    const { realCall, probeCall } = await realAndProbe(real, probe);

    expect(realCall).toMatchObject({ action });
    expect(realCall!.input.DryRun).toBeUndefined();
    expect(probeCall).toEqual({ action, input: { ...realCall!.input, DryRun: true } });
  });

  it("CreateRoute, which the first master sends where the table has no route yet, likewise", async () => {
    const noRouteYet = () =>
      ec2Mock.on(ReplaceRouteCommand).rejects(
        new EC2ServiceException({
          name: "InvalidRoute.NotFound",
          message: "no route",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
        }),
      );
    const { realCall, probeCall } = await realAndProbe(
      () => ec2.routeTo(RTB, "10.9.0.0/16", ENI),
      { action: "CreateRoute", routeTableId: RTB, cidr: "10.9.0.0/16", networkInterfaceId: ENI },
      noRouteYet,
    );
    expect(probeCall).toEqual({ action: "CreateRoute", input: { ...realCall!.input, DryRun: true } });
  });

  it("a describe probe names no ids: it asks only whether the action is allowed", async () => {
    ec2Mock.onAnyCommand().rejects(wouldSucceed());
    for (const action of [
      "DescribeNetworkInterfaces",
      "DescribeAddresses",
      "DescribeRouteTables",
      "DescribeVolumes",
      "DescribeInstances",
    ] as const)
      await expect(ec2.dryRun({ action })).resolves.toBe("allowed");
    expect(sentInputs().map((s) => s.input)).toEqual(Array.from({ length: 5 }, () => ({ DryRun: true })));
  });
});
