import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import {
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  AttachVolumeCommand,
  CreateRouteCommand,
  DeleteRouteCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  DisassociateAddressCommand,
  EC2Client,
  EC2ServiceException,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceRouteCommand,
  StopInstancesCommand,
  UnassignPrivateIpAddressesCommand,
} from "@aws-sdk/client-ec2";
import { SdkEc2 } from "../../src/cloud/ec2-sdk";
import { AwsHaError } from "../../src/errors";

// Call sequences of the SDK adapter against a mocked EC2Client: which actions it sends, with which
// flags, and which of EC2's answers it takes as "already done".

const ec2Mock = mockClient(EC2Client);
afterAll(() => ec2Mock.restore());

const ENI = "eni-0aaaaaaaaaaaaaaa1";
const RTB = "rtb-0aaaaaaaaaaaaaaa1";
const VOL = "vol-0aaaaaaaaaaaaaaa1";
const ME = "i-0aaaaaaaaaaaaaaa1";
const PEER = "i-0bbbbbbbbbbbbbbb2";

function ec2Says(code: string, message: string, status = 400) {
  return new EC2ServiceException({
    name: code,
    message,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });
}

let signal: AbortSignal;
let ec2: SdkEc2;
beforeEach(() => {
  ec2Mock.reset();
  signal = new AbortController().signal;
  ec2 = new SdkEc2(new EC2Client({ region: "eu-west-1", credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" } }), () => signal);
});

const sent = () => ec2Mock.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ""));
const inputOf = (n: number) => ec2Mock.call(n).args[0].input as unknown as Record<string, unknown>;

describe("moving a VIP", () => {
  it("assigns the address with reassignment allowed, so it moves off the peer's ENI", async () => {
    ec2Mock.on(AssignPrivateIpAddressesCommand).resolves({});
    await ec2.assignPrivateIp(ENI, "10.0.1.100");
    expect(inputOf(0)).toEqual({ NetworkInterfaceId: ENI, PrivateIpAddresses: ["10.0.1.100"], AllowReassignment: true });
  });

  it("passes the transition deadline's signal with every call", async () => {
    ec2Mock.on(AssignPrivateIpAddressesCommand).resolves({});
    await ec2.assignPrivateIp(ENI, "10.0.1.100");
    expect(((ec2Mock.call(0).args as unknown[])[1] as { abortSignal?: AbortSignal }).abortSignal).toBe(signal);
  });

  it("takes an address that is no longer on the ENI as already unassigned", async () => {
    ec2Mock
      .on(UnassignPrivateIpAddressesCommand)
      .rejects(ec2Says("InvalidParameterValue", `Some of the specified addresses are not assigned to interface ${ENI}`));
    await expect(ec2.unassignPrivateIp(ENI, "10.0.1.100")).resolves.toBeUndefined();
    expect(sent()).toEqual(["UnassignPrivateIpAddresses"]);
  });

  it("does not hide other refusals to unassign, such as the primary address", async () => {
    ec2Mock
      .on(UnassignPrivateIpAddressesCommand)
      .rejects(ec2Says("InvalidParameterValue", "The primary IP address of an interface cannot be unassigned."));
    await expect(ec2.unassignPrivateIp(ENI, "10.0.1.10")).rejects.toMatchObject({
      kind: "cloud",
      details: { awsCode: "InvalidParameterValue" },
    });
  });

  it("names the action and the permission to add when the role lacks it", async () => {
    ec2Mock
      .on(AssignPrivateIpAddressesCommand)
      .rejects(ec2Says("UnauthorizedOperation", "You are not authorized to perform this operation.", 403));
    const failure = (await ec2.assignPrivateIp(ENI, "10.0.1.100").catch((e: unknown) => e)) as AwsHaError;
    expect(failure).toBeInstanceOf(AwsHaError);
    expect(failure.kind).toBe("permission");
    expect(failure.message).toBe("EC2 denied AssignPrivateIpAddresses (UnauthorizedOperation)");
    expect(failure.details.fix).toBe("add ec2:AssignPrivateIpAddresses to the node's role (aws-ha-gen iam-policy prints the policy)");
  });

  it("lists the ENI's addresses primary first, with the instance it is attached to", async () => {
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [
        {
          NetworkInterfaceId: ENI,
          SubnetId: "subnet-0aaaaaaaaaaaaaaa1",
          AvailabilityZone: "eu-west-1a",
          SourceDestCheck: false,
          Attachment: { InstanceId: ME },
          PrivateIpAddresses: [
            { PrivateIpAddress: "10.0.1.100", Primary: false },
            { PrivateIpAddress: "10.0.1.10", Primary: true },
          ],
        },
      ],
    });
    await expect(ec2.describeInterface(ENI)).resolves.toEqual({
      networkInterfaceId: ENI,
      subnetId: "subnet-0aaaaaaaaaaaaaaa1",
      availabilityZone: "eu-west-1a",
      privateIps: ["10.0.1.10", "10.0.1.100"],
      sourceDestCheck: false,
      instanceId: ME,
    });
  });

  it("finds the ENI that carries an address by EC2's address filter", async () => {
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    await expect(ec2.findInterfaceByPrivateIp("10.0.1.100")).resolves.toBeUndefined();
    expect(inputOf(0)).toEqual({ Filters: [{ Name: "addresses.private-ip-address", Values: ["10.0.1.100"] }] });
  });

  it("reports an ENI that does not exist as a problem of the description", async () => {
    ec2Mock
      .on(DescribeNetworkInterfacesCommand)
      .rejects(ec2Says("InvalidNetworkInterfaceID.NotFound", `The networkInterface ID '${ENI}' does not exist`));
    await expect(ec2.describeInterface(ENI)).rejects.toMatchObject({ kind: "config", message: expect.stringContaining(ENI) });
  });

  it("turns the source/dest check off on the ENI itself", async () => {
    ec2Mock.on(ModifyNetworkInterfaceAttributeCommand).resolves({});
    await ec2.disableSourceDestCheck(ENI);
    expect(inputOf(0)).toEqual({ NetworkInterfaceId: ENI, SourceDestCheck: { Value: false } });
  });
});

describe("moving an Elastic IP", () => {
  it("associates with reassociation allowed and returns the new association", async () => {
    ec2Mock.on(AssociateAddressCommand).resolves({ AssociationId: "eipassoc-0aaaaaaaaaaaaaaa1" });
    await expect(ec2.associateAddress("eipalloc-0aaaaaaaaaaaaaaa1", ENI, "10.0.1.100")).resolves.toBe("eipassoc-0aaaaaaaaaaaaaaa1");
    expect(inputOf(0)).toEqual({
      AllocationId: "eipalloc-0aaaaaaaaaaaaaaa1",
      NetworkInterfaceId: ENI,
      PrivateIpAddress: "10.0.1.100",
      AllowReassociation: true,
    });
  });

  const addressOn = (eni: string) => ({
    Addresses: [
      {
        AllocationId: "eipalloc-0aaaaaaaaaaaaaaa1",
        PublicIp: "203.0.113.10",
        AssociationId: "eipassoc-0aaaaaaaaaaaaaaa1",
        NetworkInterfaceId: eni,
        PrivateIpAddress: "10.0.1.100",
      },
    ],
  });

  it("takes a stale association id as already disassociated", async () => {
    ec2Mock.on(DescribeAddressesCommand).resolves(addressOn(ENI));
    ec2Mock
      .on(DisassociateAddressCommand)
      .rejects(ec2Says("InvalidAssociationID.NotFound", "The association ID 'eipassoc-0aaaaaaaaaaaaaaa1' does not exist"));
    await expect(ec2.disassociateAddressFrom("eipalloc-0aaaaaaaaaaaaaaa1", ENI)).resolves.toBe(false);
  });

  it("checks again before it retries a throttled disassociation, and leaves an address that moved to the peer meanwhile", async () => {
    ec2Mock.on(DescribeAddressesCommand).resolvesOnce(addressOn(ENI)).resolves(addressOn("eni-0bbbbbbbbbbbbbbb2"));
    ec2Mock.on(DisassociateAddressCommand).rejects(ec2Says("RequestLimitExceeded", "Request limit exceeded.", 503));
    await expect(ec2.disassociateAddressFrom("eipalloc-0aaaaaaaaaaaaaaa1", ENI)).resolves.toBe(false);
    expect(sent()).toEqual(["DescribeAddresses", "DisassociateAddress", "DescribeAddresses"]);
  });

  it("looks an address up by its public IP for Heartbeat's updateeip::203.0.113.10", async () => {
    ec2Mock.on(DescribeAddressesCommand).resolves({
      Addresses: [
        {
          AllocationId: "eipalloc-0aaaaaaaaaaaaaaa1",
          PublicIp: "203.0.113.10",
          AssociationId: "eipassoc-1",
          NetworkInterfaceId: ENI,
          PrivateIpAddress: "10.0.1.10",
        },
      ],
    });
    await expect(ec2.describeAddressByPublicIp("203.0.113.10")).resolves.toMatchObject({
      allocationId: "eipalloc-0aaaaaaaaaaaaaaa1",
      associationId: "eipassoc-1",
    });
    expect(inputOf(0)).toEqual({ PublicIps: ["203.0.113.10"] });
  });
});

describe("moving an overlay route", () => {
  const CIDR = "192.168.100.1/32";

  it("replaces the route when the table has one", async () => {
    ec2Mock.on(ReplaceRouteCommand).resolves({});
    await ec2.routeTo(RTB, CIDR, ENI);
    expect(sent()).toEqual(["ReplaceRoute"]);
    expect(inputOf(0)).toEqual({ RouteTableId: RTB, DestinationCidrBlock: CIDR, NetworkInterfaceId: ENI });
  });

  it("creates the route when the table has none yet (InvalidRoute.NotFound)", async () => {
    ec2Mock
      .on(ReplaceRouteCommand)
      .rejects(ec2Says("InvalidRoute.NotFound", `no route with destination-cidr-block ${CIDR} in route table ${RTB}`));
    ec2Mock.on(CreateRouteCommand).resolves({ Return: true });
    await ec2.routeTo(RTB, CIDR, ENI);
    expect(sent()).toEqual(["ReplaceRoute", "CreateRoute"]);
    expect(inputOf(1)).toEqual({ RouteTableId: RTB, DestinationCidrBlock: CIDR, NetworkInterfaceId: ENI });
  });

  it("creates the route when EC2 says to use CreateRoute instead", async () => {
    ec2Mock
      .on(ReplaceRouteCommand)
      .rejects(ec2Says("InvalidParameterValue", `There is no route defined for '${CIDR}' in the route table. Use CreateRoute instead.`));
    ec2Mock.on(CreateRouteCommand).resolves({ Return: true });
    await ec2.routeTo(RTB, CIDR, ENI);
    expect(sent()).toEqual(["ReplaceRoute", "CreateRoute"]);
  });

  it("replaces again when another node created the route in between", async () => {
    ec2Mock.on(ReplaceRouteCommand).rejectsOnce(ec2Says("InvalidRoute.NotFound", "no route")).resolves({});
    ec2Mock.on(CreateRouteCommand).rejects(ec2Says("RouteAlreadyExists", `The route identified by ${CIDR} already exists.`));
    await ec2.routeTo(RTB, CIDR, ENI);
    expect(sent()).toEqual(["ReplaceRoute", "CreateRoute", "ReplaceRoute"]);
  });

  it("does not try CreateRoute when ReplaceRoute is denied", async () => {
    ec2Mock.on(ReplaceRouteCommand).rejects(ec2Says("UnauthorizedOperation", "You are not authorized to perform this operation.", 403));
    await expect(ec2.routeTo(RTB, CIDR, ENI)).rejects.toMatchObject({
      kind: "permission",
      message: "EC2 denied ReplaceRoute (UnauthorizedOperation)",
    });
    expect(sent()).toEqual(["ReplaceRoute"]);
  });

  const routeTargeting = (eni: string | undefined) => ({
    RouteTables: [
      { RouteTableId: RTB, Routes: eni ? [{ DestinationCidrBlock: CIDR, NetworkInterfaceId: eni, State: "active" as const }] : [] },
    ],
  });

  it("takes a route that is gone as already deleted", async () => {
    ec2Mock.on(DescribeRouteTablesCommand).resolves(routeTargeting(ENI));
    ec2Mock
      .on(DeleteRouteCommand)
      .rejects(ec2Says("InvalidRoute.NotFound", `no route with destination-cidr-block ${CIDR} in route table ${RTB}`));
    await expect(ec2.deleteRouteTo(RTB, CIDR, ENI)).resolves.toBe(false);
  });

  it("deletes nothing when the route already targets another ENI", async () => {
    ec2Mock.on(DescribeRouteTablesCommand).resolves(routeTargeting("eni-0bbbbbbbbbbbbbbb2"));
    await expect(ec2.deleteRouteTo(RTB, CIDR, ENI)).resolves.toBe(false);
    expect(sent()).toEqual(["DescribeRouteTables"]);
  });

  it("checks again before it retries a throttled delete, and leaves the route a peer took meanwhile", async () => {
    // Given the route is ours, the delete is throttled, and meanwhile the peer points the route at itself.
    ec2Mock.on(DescribeRouteTablesCommand).resolvesOnce(routeTargeting(ENI)).resolves(routeTargeting("eni-0bbbbbbbbbbbbbbb2"));
    ec2Mock.on(DeleteRouteCommand).rejects(ec2Says("RequestLimitExceeded", "Request limit exceeded.", 503));
    await expect(ec2.deleteRouteTo(RTB, CIDR, ENI)).resolves.toBe(false);
    // Then exactly one delete went out: the SDK did not send it again unchecked.
    expect(sent()).toEqual(["DescribeRouteTables", "DeleteRoute", "DescribeRouteTables"]);
  });

  it("describes the route of each table, in the order asked, in one call", async () => {
    const other = "rtb-0bbbbbbbbbbbbbbb2";
    ec2Mock.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        { RouteTableId: other, Routes: [{ DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", State: "active" }] },
        { RouteTableId: RTB, Routes: [{ DestinationCidrBlock: CIDR, NetworkInterfaceId: ENI, State: "active" }] },
      ],
    });
    await expect(ec2.describeRoutes([RTB, other], CIDR)).resolves.toEqual([
      { routeTableId: RTB, exists: true, networkInterfaceId: ENI, state: "active" },
      { routeTableId: other, exists: false, networkInterfaceId: undefined, state: undefined },
    ]);
    expect(sent()).toEqual(["DescribeRouteTables"]);
  });
});

describe("moving a volume", () => {
  it("attaches the volume under the device name of the description", async () => {
    ec2Mock.on(AttachVolumeCommand).resolves({});
    await ec2.attachVolume(VOL, ME, "/dev/sdf");
    expect(inputOf(0)).toEqual({ VolumeId: VOL, InstanceId: ME, Device: "/dev/sdf" });
  });

  it("reports a volume in another AZ as a problem of the description", async () => {
    ec2Mock
      .on(AttachVolumeCommand)
      .rejects(ec2Says("InvalidVolume.ZoneMismatch", "The volume is not in the same availability zone as instance"));
    await expect(ec2.attachVolume(VOL, ME, "/dev/sdf")).rejects.toMatchObject({
      kind: "config",
      details: { awsCode: "InvalidVolume.ZoneMismatch" },
    });
  });

  it("reports a volume still attached to the peer as a conflict", async () => {
    ec2Mock.on(AttachVolumeCommand).rejects(ec2Says("VolumeInUse", `${VOL} is already attached to an instance`));
    await expect(ec2.attachVolume(VOL, ME, "/dev/sdf")).rejects.toMatchObject({ kind: "conflict", details: { resource: VOL } });
  });

  it("takes a volume that is already available as detached", async () => {
    ec2Mock.on(DetachVolumeCommand).rejects(ec2Says("IncorrectState", `Volume '${VOL}' is in the 'available' state.`));
    await expect(ec2.detachVolume(VOL, ME, false)).resolves.toBeUndefined();
    expect(inputOf(0)).toEqual({ VolumeId: VOL, InstanceId: ME });
  });

  it("force-detaches from a fenced peer only when asked", async () => {
    ec2Mock.on(DetachVolumeCommand).resolves({});
    await ec2.detachVolume(VOL, PEER, true);
    expect(inputOf(0)).toEqual({ VolumeId: VOL, InstanceId: PEER, Force: true });
  });

  it("reports a volume in another state as a conflict", async () => {
    ec2Mock.on(DetachVolumeCommand).rejects(ec2Says("IncorrectState", `Volume '${VOL}' is in the 'creating' state.`));
    await expect(ec2.detachVolume(VOL, ME, false)).rejects.toMatchObject({ kind: "conflict", details: { awsCode: "IncorrectState" } });
  });

  it("describes the volume's state and attachments", async () => {
    ec2Mock.on(DescribeVolumesCommand).resolves({
      Volumes: [
        {
          VolumeId: VOL,
          State: "in-use",
          AvailabilityZone: "eu-west-1a",
          Attachments: [{ InstanceId: PEER, State: "attached", Device: "/dev/sdf" }],
        },
      ],
    });
    await expect(ec2.describeVolume(VOL)).resolves.toEqual({
      volumeId: VOL,
      state: "in-use",
      availabilityZone: "eu-west-1a",
      attachments: [{ instanceId: PEER, state: "attached", device: "/dev/sdf" }],
    });
  });
});

describe("volume and attachment states EC2 does not send", () => {
  const volumeWith = (state: string | undefined, attachmentState: string | undefined = "attached") =>
    ec2Mock.on(DescribeVolumesCommand).resolves({
      Volumes: [
        {
          VolumeId: VOL,
          State: state as never,
          AvailabilityZone: "eu-west-1a",
          Attachments: [{ InstanceId: PEER, State: attachmentState as never, Device: "/dev/sdf" }],
        },
      ],
    });

  it('refuses a volume state "blackhole" (a route\'s word) as a cloud error naming the field and the value', async () => {
    volumeWith("blackhole");
    const failure = (await ec2.describeVolume(VOL).catch((e: unknown) => e)) as AwsHaError;
    expect(failure).toBeInstanceOf(AwsHaError);
    expect(failure.kind).toBe("cloud");
    expect(failure.describe()).toMatch(/^vol-0aaaaaaaaaaaaaaa1: EC2 DescribeVolumes answered "blackhole" as the volume state \(status\)/);
  });

  it.each(["stopped", "available", ""])("refuses an attachment status %j", async (state) => {
    volumeWith("in-use", state);
    await expect(ec2.describeVolume(VOL)).rejects.toMatchObject({
      kind: "cloud",
      message: `EC2 DescribeVolumes answered ${JSON.stringify(state)} as the attachment state (attachmentSet.item.status), which EC2 does not send`,
    });
  });

  it("refuses a volume or an attachment without a state rather than guessing one", async () => {
    volumeWith(undefined);
    await expect(ec2.describeVolume(VOL)).rejects.toMatchObject({ kind: "cloud", message: expect.stringContaining("no volume state") });
    ec2Mock.on(DescribeVolumesCommand).resolves({
      Volumes: [
        { VolumeId: VOL, State: "in-use", AvailabilityZone: "eu-west-1a", Attachments: [{ InstanceId: PEER, Device: "/dev/sdf" }] },
      ],
    });
    await expect(ec2.describeVolume(VOL)).rejects.toMatchObject({ kind: "cloud", message: expect.stringContaining("no attachment state") });
  });

  it("escapes a state with control characters, so the error stays one line", async () => {
    volumeWith("in-use\nattached");
    const failure = (await ec2.describeVolume(VOL).catch((e: unknown) => e)) as AwsHaError;
    expect(failure.describe()).toContain('"in-use\\nattached"');
    expect(failure.describe()).not.toMatch(/\n/);
  });

  it.each(["creating", "available", "in-use", "deleting", "deleted", "error"])("takes the documented volume state %s", async (state) => {
    volumeWith(state, "detached");
    await expect(ec2.describeVolume(VOL)).resolves.toMatchObject({ state, attachments: [{ state: "detached" }] });
  });

  it.each(["attaching", "attached", "detaching", "detached", "busy"])("takes the documented attachment state %s", async (state) => {
    volumeWith("in-use", state);
    await expect(ec2.describeVolume(VOL)).resolves.toMatchObject({ attachments: [{ state }] });
  });
});

describe("fencing", () => {
  it("stops the peer forcibly, skipping its OS shutdown", async () => {
    ec2Mock.on(StopInstancesCommand).resolves({});
    await ec2.stopInstance(PEER);
    expect(inputOf(0)).toEqual({ InstanceIds: [PEER], Force: true, SkipOsShutdown: true });
  });

  it("reads an instance's state and AZ", async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ InstanceId: PEER, State: { Name: "stopped", Code: 80 }, Placement: { AvailabilityZone: "eu-west-1b" } }] },
      ],
    });
    await expect(ec2.describeInstance(PEER)).resolves.toEqual({ instanceId: PEER, state: "stopped", availabilityZone: "eu-west-1b" });
  });
});

describe("instance states EC2 does not send", () => {
  const instanceIn = (state: { Name?: string } | undefined) =>
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: PEER, State: state as never, Placement: { AvailabilityZone: "eu-west-1b" } }] }],
    });

  it('refuses an instance state "available" (a volume\'s word) instead of fencing on it', async () => {
    instanceIn({ Name: "available" });
    const failure = (await ec2.describeInstance(PEER).catch((e: unknown) => e)) as AwsHaError;
    expect(failure).toBeInstanceOf(AwsHaError);
    expect(failure).toMatchObject({
      kind: "cloud",
      message: 'EC2 DescribeInstances answered "available" as the instance state (instanceState.name), which EC2 does not send',
      details: { resource: PEER },
    });
    expect(failure.details.fix).toMatch(/endpoint/);
  });

  it("refuses an empty instance state, and a missing one", async () => {
    instanceIn({ Name: "" });
    await expect(ec2.describeInstance(PEER)).rejects.toMatchObject({
      kind: "cloud",
      message: expect.stringContaining('answered "" as the instance state'),
    });
    instanceIn(undefined);
    await expect(ec2.describeInstance(PEER)).rejects.toMatchObject({
      kind: "cloud",
      message: expect.stringContaining("no instance state"),
    });
  });

  it.each(["pending", "running", "shutting-down", "terminated", "stopping", "stopped"])(
    "takes the documented instance state %s",
    async (state) => {
      instanceIn({ Name: state });
      await expect(ec2.describeInstance(PEER)).resolves.toMatchObject({ state });
    },
  );
});

describe("checking permissions with DryRun", () => {
  it("calls a permitted action allowed, without performing it", async () => {
    ec2Mock.on(AttachVolumeCommand).rejects(ec2Says("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412));
    await expect(ec2.dryRun({ action: "AttachVolume", volumeId: VOL, instanceId: ME, device: "/dev/sdf" })).resolves.toBe("allowed");
    expect(inputOf(0)).toEqual({ DryRun: true, VolumeId: VOL, InstanceId: ME, Device: "/dev/sdf" });
  });

  it("calls an unauthorised action denied", async () => {
    ec2Mock.on(StopInstancesCommand).rejects(ec2Says("UnauthorizedOperation", "You are not authorized to perform this operation.", 403));
    await expect(ec2.dryRun({ action: "StopInstances", instanceId: PEER })).resolves.toBe("denied");
    expect(inputOf(0)).toMatchObject({ DryRun: true, InstanceIds: [PEER], Force: true });
  });

  it("returns EC2's refusal of the request itself, which proves neither", async () => {
    ec2Mock.on(ReplaceRouteCommand).rejects(ec2Says("InvalidRouteTableID.NotFound", `The routeTable ID '${RTB}' does not exist`));
    await expect(
      ec2.dryRun({ action: "ReplaceRoute", routeTableId: RTB, cidr: "192.168.100.1/32", networkInterfaceId: ENI }),
    ).resolves.toEqual({ code: "InvalidRouteTableID.NotFound", message: `The routeTable ID '${RTB}' does not exist` });
  });

  it("passes other failures on, naming the action", async () => {
    ec2Mock.on(ReplaceRouteCommand).rejects(ec2Says("AuthFailure", "AWS was not able to validate the provided access credentials", 401));
    await expect(
      ec2.dryRun({ action: "ReplaceRoute", routeTableId: RTB, cidr: "192.168.100.1/32", networkInterfaceId: ENI }),
    ).rejects.toMatchObject({ kind: "permission", message: expect.stringContaining("credentials for ReplaceRoute") });
  });

  it("sends the describe checks with DryRun alone", async () => {
    ec2Mock.on(DescribeVolumesCommand).rejects(ec2Says("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412));
    await expect(ec2.dryRun({ action: "DescribeVolumes" })).resolves.toBe("allowed");
    expect(inputOf(0)).toEqual({ DryRun: true });
  });
});
