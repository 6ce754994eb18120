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
  ReplaceRouteCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  UnassignPrivateIpAddressesCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parseClusterDescription } from "../../src/cluster/parse";
import { StandinControlClient } from "../support/ec2-standin/control-client";
import { startEc2Server, type Ec2Server } from "../support/ec2-standin/server";
import { worldSpecFromDescription } from "../support/ec2-standin/world-from-description";
import type { WorldSpec } from "../support/ec2-standin/world-spec";
import { waitFor } from "./support/wait";

// The EC2 stand-in judged by the real SDK over HTTP: each scenario is a piece of EC2 behaviour the
// failover code depends on, checked through the same calls and error names it will see on AWS.

const region = "eu-west-1";
const a = { instance: "i-0a000000000000a01", eni: "eni-0a000000000000a01", ip: "10.0.1.11" };
const b = { instance: "i-0b000000000000b02", eni: "eni-0b000000000000b02", ip: "10.0.1.12" };
const c = { instance: "i-0c000000000000c03", eni: "eni-0c000000000000c03", ip: "10.0.2.13" };
const vip = "10.0.1.100";
const eip = { allocationId: "eipalloc-0e000000000000001", publicIp: "203.0.113.10" };
const data = "vol-0d000000000000d01";
const far = "vol-0d000000000000d02";
const stuck = "vol-0d000000000000d03";
const table = "rtb-0f000000000000001";
const overlay = "192.168.100.10/32";

const world = (): WorldSpec => ({
  region,
  subnets: [
    { subnetId: "subnet-0a1", cidr: "10.0.1.0/24", availabilityZone: `${region}a` },
    { subnetId: "subnet-0b2", cidr: "10.0.2.0/24", availabilityZone: `${region}b` },
  ],
  instances: [{ instanceId: a.instance }, { instanceId: b.instance }, { instanceId: c.instance }],
  interfaces: [
    { networkInterfaceId: a.eni, subnetId: "subnet-0a1", privateIps: [a.ip], instanceId: a.instance },
    { networkInterfaceId: b.eni, subnetId: "subnet-0a1", privateIps: [b.ip, vip], instanceId: b.instance },
    { networkInterfaceId: c.eni, subnetId: "subnet-0b2", privateIps: [c.ip], instanceId: c.instance },
  ],
  addresses: [{ ...eip, networkInterfaceId: b.eni, privateIp: vip }],
  routeTables: [{ routeTableId: table }],
  volumes: [
    { volumeId: data, availabilityZone: `${region}a` },
    { volumeId: far, availabilityZone: `${region}b` },
    {
      volumeId: stuck,
      availabilityZone: `${region}a`,
      attachments: [{ instanceId: b.instance, device: "/dev/sdg" }],
      stuckUntilForce: true,
    },
  ],
  timing: { attachMs: 120, detachMs: 120, stopMs: 150, startMs: 100 },
});

const credentials = { accessKeyId: "AKIDSTANDINTEST", secretAccessKey: "not-a-secret" };

let server: Ec2Server;
let ec2: EC2Client;

beforeEach(async () => {
  server = await startEc2Server({ spec: world() });
  ec2 = new EC2Client({ endpoint: server.url, region, credentials, maxAttempts: 1 });
});
afterEach(async () => {
  ec2.destroy();
  await server.close();
});

/** The stand-in's delays are short: polled every 20 ms, for at most 3 s. */
const eventually = <T>(probe: () => Promise<T | undefined>, what: string): Promise<T> => waitFor(what, probe, 3_000, 20);

const ipsOf = async (eni: string) =>
  (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni] }))).NetworkInterfaces![0]!.PrivateIpAddresses!.map(
    (p) => p.PrivateIpAddress,
  );
const addressOf = async () => (await ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.allocationId] }))).Addresses![0]!;
const volumeOf = async (id: string) => (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes![0]!;
const instanceOf = async (id: string) =>
  (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;

describe("private addresses (the VIP)", () => {
  it("given the VIP on B, when A assigns it with AllowReassignment, then it moves to A and leaves B", async () => {
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: a.eni, PrivateIpAddresses: [vip], AllowReassignment: true }));
    expect(await ipsOf(a.eni)).toEqual([a.ip, vip]);
    expect(await ipsOf(b.eni)).toEqual([b.ip]);
  });

  it("the Elastic IP on the VIP follows the address to its new interface", async () => {
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: a.eni, PrivateIpAddresses: [vip], AllowReassignment: true }));
    const address = await addressOf();
    expect(address).toMatchObject({ NetworkInterfaceId: a.eni, PrivateIpAddress: vip, InstanceId: a.instance });
    const eni = (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [a.eni] }))).NetworkInterfaces![0]!;
    expect(eni.PrivateIpAddresses!.find((p) => p.PrivateIpAddress === vip)?.Association?.PublicIp).toBe(eip.publicIp);
  });

  it("without AllowReassignment an address held by another interface is refused and stays put", async () => {
    await expect(
      ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: a.eni, PrivateIpAddresses: [vip] })),
    ).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message: expect.stringContaining("move is not allowed"),
      $metadata: { httpStatusCode: 400 },
    });
    expect(await ipsOf(b.eni)).toEqual([b.ip, vip]);
  });

  it("unassigning an address the interface does not have fails InvalidParameterValue", async () => {
    await expect(
      ec2.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: a.eni, PrivateIpAddresses: [vip] })),
    ).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
  });
});

describe("Elastic IP associations", () => {
  it("AllowReassociation=false on an address associated elsewhere fails Resource.AlreadyAssociated", async () => {
    await expect(
      ec2.send(
        new AssociateAddressCommand({
          AllocationId: eip.allocationId,
          NetworkInterfaceId: a.eni,
          PrivateIpAddress: a.ip,
          AllowReassociation: false,
        }),
      ),
    ).rejects.toMatchObject({ name: "Resource.AlreadyAssociated" });
    expect((await addressOf()).NetworkInterfaceId).toBe(b.eni);
  });

  it("with reassociation the address moves and gets a new association id; the old one is stale", async () => {
    const before = (await addressOf()).AssociationId!;
    const { AssociationId } = await ec2.send(
      new AssociateAddressCommand({
        AllocationId: eip.allocationId,
        NetworkInterfaceId: a.eni,
        PrivateIpAddress: a.ip,
        AllowReassociation: true,
      }),
    );
    expect(AssociationId).not.toBe(before);
    expect(await addressOf()).toMatchObject({ AssociationId, NetworkInterfaceId: a.eni, PrivateIpAddress: a.ip, InstanceId: a.instance });
    await expect(ec2.send(new DisassociateAddressCommand({ AssociationId: before }))).rejects.toMatchObject({
      name: "InvalidAssociationID.NotFound",
    });
    await ec2.send(new DisassociateAddressCommand({ AssociationId }));
    expect((await addressOf()).AssociationId).toBeUndefined();
  });

  it("the private address must be on the interface", async () => {
    await expect(
      ec2.send(new AssociateAddressCommand({ AllocationId: eip.allocationId, NetworkInterfaceId: a.eni, PrivateIpAddress: vip })),
    ).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
  });

  it("DescribeAddresses finds the address by filter and rejects an unknown allocation", async () => {
    const found = await ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: "private-ip-address", Values: [vip] }] }));
    expect(found.Addresses!.map((x) => x.PublicIp)).toEqual([eip.publicIp]);
    await expect(ec2.send(new DescribeAddressesCommand({ AllocationIds: ["eipalloc-0000000000000dead"] }))).rejects.toMatchObject({
      name: "InvalidAllocationID.NotFound",
    });
  });
});

describe("EBS volumes", () => {
  it("an attach is answered `attaching` and becomes `attached` after the attach delay", async () => {
    const started = Date.now();
    const answer = await ec2.send(new AttachVolumeCommand({ VolumeId: data, InstanceId: a.instance, Device: "/dev/sdf" }));
    expect(answer.State).toBe("attaching");
    expect((await volumeOf(data)).Attachments![0]!.State).toBe("attaching");
    await eventually(async () => ((await volumeOf(data)).Attachments![0]!.State === "attached" ? true : undefined), "attached");
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);
    expect((await volumeOf(data)).State).toBe("in-use");
  });

  it("a volume attached to one instance cannot be attached to another: VolumeInUse", async () => {
    await ec2.send(new AttachVolumeCommand({ VolumeId: data, InstanceId: a.instance, Device: "/dev/sdf" }));
    await expect(ec2.send(new AttachVolumeCommand({ VolumeId: data, InstanceId: b.instance, Device: "/dev/sdf" }))).rejects.toMatchObject({
      name: "VolumeInUse",
      $metadata: { httpStatusCode: 400 },
    });
    expect((await volumeOf(data)).Attachments!.map((x) => x.InstanceId)).toEqual([a.instance]);
  });

  it("a volume still detaching is not available yet: IncorrectState; after the detach it attaches", async () => {
    await ec2.send(new AttachVolumeCommand({ VolumeId: data, InstanceId: a.instance, Device: "/dev/sdf" }));
    await eventually(async () => ((await volumeOf(data)).Attachments![0]!.State === "attached" ? true : undefined), "attached");
    expect((await ec2.send(new DetachVolumeCommand({ VolumeId: data, InstanceId: a.instance }))).State).toBe("detaching");
    await expect(ec2.send(new AttachVolumeCommand({ VolumeId: data, InstanceId: b.instance, Device: "/dev/sdf" }))).rejects.toMatchObject({
      name: "IncorrectState",
    });
    await eventually(async () => ((await volumeOf(data)).State === "available" ? true : undefined), "available");
    expect((await volumeOf(data)).Attachments).toEqual([]);
    await ec2.send(new AttachVolumeCommand({ VolumeId: data, InstanceId: b.instance, Device: "/dev/sdf" }));
  });

  it("detaching a volume that is already available fails IncorrectState", async () => {
    await expect(ec2.send(new DetachVolumeCommand({ VolumeId: data, InstanceId: a.instance }))).rejects.toMatchObject({
      name: "IncorrectState",
      message: expect.stringContaining("'available'"),
    });
  });

  it("a volume in another AZ fails InvalidVolume.ZoneMismatch", async () => {
    await expect(ec2.send(new AttachVolumeCommand({ VolumeId: far, InstanceId: a.instance, Device: "/dev/sdf" }))).rejects.toMatchObject({
      name: "InvalidVolume.ZoneMismatch",
    });
  });

  it("a volume the running OS still holds stays busy without Force; Force detaches it", async () => {
    await ec2.send(new DetachVolumeCommand({ VolumeId: stuck, InstanceId: b.instance }));
    await eventually(async () => ((await volumeOf(stuck)).Attachments![0]?.State === "busy" ? true : undefined), "busy");
    await new Promise((r) => setTimeout(r, 300));
    expect((await volumeOf(stuck)).State).toBe("in-use");
    await ec2.send(new DetachVolumeCommand({ VolumeId: stuck, InstanceId: b.instance, Force: true }));
    await eventually(async () => ((await volumeOf(stuck)).State === "available" ? true : undefined), "available after Force");
  });
});

describe("instances (fencing)", () => {
  it("StopInstances with Force: stopping, then stopped; the stopped instance keeps its volume", async () => {
    const stop = await ec2.send(new StopInstancesCommand({ InstanceIds: [b.instance], Force: true }));
    expect(stop.StoppingInstances![0]).toMatchObject({
      CurrentState: { Name: "stopping", Code: 64 },
      PreviousState: { Name: "running", Code: 16 },
    });
    await eventually(async () => ((await instanceOf(b.instance)).State!.Name === "stopped" ? true : undefined), "stopped");
    const stopped = await instanceOf(b.instance);
    expect(stopped.BlockDeviceMappings!.map((m) => m.Ebs!.VolumeId)).toEqual([stuck]);
    expect((await volumeOf(stuck)).Attachments![0]).toMatchObject({ InstanceId: b.instance, State: "attached" });
    // With the OS down nothing holds the device: a plain detach completes.
    await ec2.send(new DetachVolumeCommand({ VolumeId: stuck, InstanceId: b.instance }));
    await eventually(async () => ((await volumeOf(stuck)).State === "available" ? true : undefined), "available");
  });

  it("a detach waiting for the OS completes once the instance is stopped", async () => {
    await ec2.send(new DetachVolumeCommand({ VolumeId: stuck, InstanceId: b.instance }));
    await eventually(async () => ((await volumeOf(stuck)).Attachments![0]?.State === "busy" ? true : undefined), "busy");
    await ec2.send(new StopInstancesCommand({ InstanceIds: [b.instance], Force: true }));
    await eventually(async () => ((await volumeOf(stuck)).State === "available" ? true : undefined), "available after the stop");
  });

  it("DescribeInstances shows placement, state and interfaces; StartInstances brings it back through pending", async () => {
    const running = await instanceOf(a.instance);
    expect(running).toMatchObject({ Placement: { AvailabilityZone: `${region}a` }, PrivateIpAddress: a.ip, State: { Name: "running" } });
    expect(running.NetworkInterfaces!.map((n) => n.NetworkInterfaceId)).toEqual([a.eni]);
    await ec2.send(new StopInstancesCommand({ InstanceIds: [a.instance] }));
    await eventually(async () => ((await instanceOf(a.instance)).State!.Name === "stopped" ? true : undefined), "stopped");
    const start = await ec2.send(new StartInstancesCommand({ InstanceIds: [a.instance] }));
    expect(start.StartingInstances![0]!.CurrentState!.Name).toBe("pending");
    await eventually(async () => ((await instanceOf(a.instance)).State!.Name === "running" ? true : undefined), "running");
  });
});

describe("route tables (overlay IP)", () => {
  it("ReplaceRoute on a missing route says to use CreateRoute; Create, Replace and Delete then work", async () => {
    await expect(
      ec2.send(new ReplaceRouteCommand({ RouteTableId: table, DestinationCidrBlock: overlay, NetworkInterfaceId: a.eni })),
    ).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message: expect.stringContaining("Use CreateRoute instead"),
    });
    await ec2.send(new CreateRouteCommand({ RouteTableId: table, DestinationCidrBlock: overlay, NetworkInterfaceId: a.eni }));
    await expect(
      ec2.send(new CreateRouteCommand({ RouteTableId: table, DestinationCidrBlock: overlay, NetworkInterfaceId: b.eni })),
    ).rejects.toMatchObject({
      name: "RouteAlreadyExists",
    });
    await ec2.send(new ReplaceRouteCommand({ RouteTableId: table, DestinationCidrBlock: overlay, NetworkInterfaceId: b.eni }));
    const tables = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: "route.destination-cidr-block", Values: [overlay] }] }),
    );
    expect(tables.RouteTables![0]!.Routes!.find((r) => r.DestinationCidrBlock === overlay)).toMatchObject({
      NetworkInterfaceId: b.eni,
      InstanceId: b.instance,
      State: "active",
    });
    await ec2.send(new DeleteRouteCommand({ RouteTableId: table, DestinationCidrBlock: overlay }));
    await expect(ec2.send(new DeleteRouteCommand({ RouteTableId: table, DestinationCidrBlock: overlay }))).rejects.toMatchObject({
      name: "InvalidRoute.NotFound",
    });
  });
});

describe("permissions: DryRun and denied actions", () => {
  it("DryRun answers DryRunOperation (412) and changes nothing", async () => {
    await expect(
      ec2.send(
        new AssociateAddressCommand({ AllocationId: eip.allocationId, NetworkInterfaceId: a.eni, AllowReassociation: true, DryRun: true }),
      ),
    ).rejects.toMatchObject({ name: "DryRunOperation", $metadata: { httpStatusCode: 412 } });
    expect((await addressOf()).NetworkInterfaceId).toBe(b.eni);
  });

  it("a denied action answers UnauthorizedOperation (403), with DryRun too", async () => {
    server.faults.inject({ kind: "deny", actions: ["AttachVolume"] });
    const attach = (DryRun: boolean) =>
      ec2.send(new AttachVolumeCommand({ VolumeId: data, InstanceId: a.instance, Device: "/dev/sdf", DryRun }));
    await expect(attach(true)).rejects.toMatchObject({ name: "UnauthorizedOperation", $metadata: { httpStatusCode: 403 } });
    await expect(attach(false)).rejects.toMatchObject({
      name: "UnauthorizedOperation",
      message: expect.stringContaining("ec2:AttachVolume"),
    });
    expect((await volumeOf(data)).State).toBe("available");
  });

  it("AssignPrivateIpAddresses has no DryRun parameter, so EC2 rejects one", async () => {
    const body = new URLSearchParams({
      Action: "AssignPrivateIpAddresses",
      Version: "2016-11-15",
      NetworkInterfaceId: a.eni,
      "PrivateIpAddress.1": vip,
      DryRun: "true",
    });
    const response = await fetch(server.url, {
      method: "POST",
      body,
      headers: { authorization: "AWS4-HMAC-SHA256 Credential=AKIDSTANDINTEST/x" },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("<Code>UnknownParameter</Code>");
  });

  it("a request without credentials fails AuthFailure", async () => {
    const response = await fetch(server.url, {
      method: "POST",
      body: new URLSearchParams({ Action: "DescribeVolumes", Version: "2016-11-15" }),
    });
    expect(response.status).toBe(401);
    expect(await response.text()).toContain("<Code>AuthFailure</Code>");
  });
});

describe("DryRun: what EC2 judges in a request before it answers for the permission", () => {
  const ghost = { eni: "eni-0e00000000000dead", instance: "i-0e00000000000dead", volume: "vol-0e00000000000dead" };
  const refusals: [string, () => Promise<unknown>, string, RegExp][] = [
    [
      "ReplaceRoute of a route the table does not have",
      () =>
        ec2.send(new ReplaceRouteCommand({ DryRun: true, RouteTableId: table, DestinationCidrBlock: overlay, NetworkInterfaceId: a.eni })),
      "InvalidParameterValue",
      /no route defined for '192\.168\.100\.10\/32' in the route table\. Use CreateRoute instead/,
    ],
    [
      "ReplaceRoute in a route table EC2 does not know",
      () =>
        ec2.send(
          new ReplaceRouteCommand({
            DryRun: true,
            RouteTableId: "rtb-0e00000000000dead",
            DestinationCidrBlock: overlay,
            NetworkInterfaceId: a.eni,
          }),
        ),
      "InvalidRouteTableID.NotFound",
      /rtb-0e00000000000dead/,
    ],
    [
      "CreateRoute of a destination the table has",
      () =>
        ec2.send(
          new CreateRouteCommand({ DryRun: true, RouteTableId: table, DestinationCidrBlock: "10.0.1.0/24", NetworkInterfaceId: a.eni }),
        ),
      "RouteAlreadyExists",
      /10\.0\.1\.0\/24/,
    ],
    [
      "CreateRoute to an interface EC2 does not know",
      () =>
        ec2.send(
          new CreateRouteCommand({ DryRun: true, RouteTableId: table, DestinationCidrBlock: overlay, NetworkInterfaceId: ghost.eni }),
        ),
      "InvalidNetworkInterfaceID.NotFound",
      /eni-0e00000000000dead/,
    ],
    [
      "AssociateAddress of an allocation EC2 does not know",
      () => ec2.send(new AssociateAddressCommand({ DryRun: true, AllocationId: "eipalloc-0e00000000000dead", NetworkInterfaceId: a.eni })),
      "InvalidAllocationID.NotFound",
      /eipalloc-0e00000000000dead/,
    ],
    [
      "AssociateAddress to an interface EC2 does not know",
      () => ec2.send(new AssociateAddressCommand({ DryRun: true, AllocationId: eip.allocationId, NetworkInterfaceId: ghost.eni })),
      "InvalidNetworkInterfaceID.NotFound",
      /eni-0e00000000000dead/,
    ],
    [
      "AssociateAddress to a private address the interface does not carry (the VIP is on B)",
      () =>
        ec2.send(
          new AssociateAddressCommand({ DryRun: true, AllocationId: eip.allocationId, NetworkInterfaceId: a.eni, PrivateIpAddress: vip }),
        ),
      "InvalidParameterValue",
      /10\.0\.1\.100 is not assigned to network interface/,
    ],
    [
      "DisassociateAddress of an association EC2 does not know",
      () => ec2.send(new DisassociateAddressCommand({ DryRun: true, AssociationId: "eipassoc-0e00000000000dead" })),
      "InvalidAssociationID.NotFound",
      /eipassoc-0e00000000000dead/,
    ],
    [
      "AttachVolume of a volume EC2 does not know",
      () => ec2.send(new AttachVolumeCommand({ DryRun: true, VolumeId: ghost.volume, InstanceId: a.instance, Device: "/dev/sdf" })),
      "InvalidVolume.NotFound",
      /vol-0e00000000000dead/,
    ],
    [
      "AttachVolume to an instance EC2 does not know",
      () => ec2.send(new AttachVolumeCommand({ DryRun: true, VolumeId: data, InstanceId: ghost.instance, Device: "/dev/sdf" })),
      "InvalidInstanceID.NotFound",
      /i-0e00000000000dead/,
    ],
    [
      "DetachVolume of a volume EC2 does not know",
      () => ec2.send(new DetachVolumeCommand({ DryRun: true, VolumeId: ghost.volume, InstanceId: a.instance })),
      "InvalidVolume.NotFound",
      /vol-0e00000000000dead/,
    ],
    [
      "StopInstances of an instance EC2 does not know",
      () => ec2.send(new StopInstancesCommand({ DryRun: true, InstanceIds: [ghost.instance], Force: true })),
      "InvalidInstanceID.NotFound",
      /i-0e00000000000dead/,
    ],
  ];

  it.each(refusals)("%s: refused (400), not DryRunOperation, and nothing changes", async (_, send, code, message) => {
    const before = server.world.snapshot();
    await expect(send()).rejects.toMatchObject({ name: code, message: expect.stringMatching(message), $metadata: { httpStatusCode: 400 } });
    expect(server.world.snapshot()).toEqual(before);
    expect(server.calls.all().at(-1)).toMatchObject({ dryRun: true, error: code });
  });

  it("the state an action would change is judged only when it runs: a DryRun attach of a volume in use is allowed", async () => {
    await expect(
      ec2.send(new AttachVolumeCommand({ DryRun: true, VolumeId: stuck, InstanceId: a.instance, Device: "/dev/sdf" })),
    ).rejects.toMatchObject({ name: "DryRunOperation" });
    await expect(ec2.send(new AttachVolumeCommand({ VolumeId: stuck, InstanceId: a.instance, Device: "/dev/sdf" }))).rejects.toMatchObject({
      name: "VolumeInUse",
    });
  });

  it("by default a refused request hides a denial; a sound one shows it", async () => {
    server.faults.inject({ kind: "deny", actions: ["ReplaceRoute", "UnassignPrivateIpAddresses"] });
    const replace = () =>
      ec2.send(new ReplaceRouteCommand({ DryRun: true, RouteTableId: table, DestinationCidrBlock: overlay, NetworkInterfaceId: a.eni }));
    await expect(replace()).rejects.toMatchObject({ name: "InvalidParameterValue" });
    await expect(
      ec2.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: a.eni, PrivateIpAddresses: ["10.0.1.0"] })),
    ).rejects.toMatchObject({ name: "InvalidParameterValue", message: expect.stringContaining("not assigned") });
    await ec2.send(new CreateRouteCommand({ RouteTableId: table, DestinationCidrBlock: overlay, NetworkInterfaceId: b.eni }));
    await expect(replace()).rejects.toMatchObject({ name: "UnauthorizedOperation" });
  });

  it("a world that decides the permission first shows the denial through a refused request, and refuses before DryRunOperation", async () => {
    const permissionFirst = await startEc2Server({ spec: { ...world(), requestChecks: "after-permission" } });
    const client = new EC2Client({ endpoint: permissionFirst.url, region, credentials, maxAttempts: 1 });
    try {
      permissionFirst.faults.inject({ kind: "deny", actions: ["ReplaceRoute", "UnassignPrivateIpAddresses"] });
      await expect(
        client.send(
          new ReplaceRouteCommand({ DryRun: true, RouteTableId: table, DestinationCidrBlock: overlay, NetworkInterfaceId: a.eni }),
        ),
      ).rejects.toMatchObject({ name: "UnauthorizedOperation" });
      await expect(
        client.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: a.eni, PrivateIpAddresses: ["10.0.1.0"] })),
      ).rejects.toMatchObject({ name: "UnauthorizedOperation" });
      await expect(
        client.send(
          new CreateRouteCommand({ DryRun: true, RouteTableId: table, DestinationCidrBlock: "10.0.1.0/24", NetworkInterfaceId: a.eni }),
        ),
      ).rejects.toMatchObject({ name: "RouteAlreadyExists" });
    } finally {
      client.destroy();
      await permissionFirst.close();
    }
  });
});

describe("injected faults", () => {
  it("throttling and 5xx are retried by the SDK until the call succeeds; the call log shows each answer", async () => {
    const patient = new EC2Client({ endpoint: server.url, region, credentials, maxAttempts: 5 });
    server.faults.inject({ kind: "throttle", action: "DescribeVolumes", count: 2 });
    server.faults.inject({ kind: "server-error", action: "DescribeVolumes", count: 1, code: "Unavailable" });
    server.faults.inject({ kind: "server-error", action: "DescribeVolumes", count: 1 });
    const result = await patient.send(new DescribeVolumesCommand({ VolumeIds: [data] }));
    patient.destroy();
    expect(result.Volumes![0]!.VolumeId).toBe(data);
    expect(result.$metadata.attempts).toBe(5);
    expect(server.calls.of("DescribeVolumes").map((call) => call.error ?? "ok")).toEqual([
      "RequestLimitExceeded",
      "RequestLimitExceeded",
      "Unavailable",
      "InternalError",
      "ok",
    ]);
  });

  it("without retries the caller sees RequestLimitExceeded with HTTP 503", async () => {
    server.faults.inject({ kind: "throttle", action: "StopInstances", count: 1 });
    await expect(ec2.send(new StopInstancesCommand({ InstanceIds: [a.instance] }))).rejects.toMatchObject({
      name: "RequestLimitExceeded",
      $metadata: { httpStatusCode: 503 },
    });
    expect(server.calls.of("StopInstances")[0]).toMatchObject({ error: "RequestLimitExceeded", instanceIds: [a.instance] });
    expect((await instanceOf(a.instance)).State!.Name).toBe("running");
  });

  it("injected latency delays only the named action", async () => {
    server.faults.inject({ kind: "latency", action: "DescribeInstances", ms: 300 });
    let started = Date.now();
    await instanceOf(a.instance);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    started = Date.now();
    await volumeOf(data);
    expect(Date.now() - started).toBeLessThan(250);
  });

  it("the control API injects and clears faults and shows the world", async () => {
    const control = new StandinControlClient({ url: server.url });
    await control.inject({ kind: "throttle", count: 1 });
    await expect(volumeOf(data)).rejects.toMatchObject({ name: "RequestLimitExceeded" });
    await control.inject({ kind: "deny", actions: ["DescribeVolumes"] });
    await control.clearFaults();
    expect((await volumeOf(data)).VolumeId).toBe(data);
    const snapshot = await control.world();
    expect(snapshot.interfaces.find((e) => e.networkInterfaceId === b.eni)?.privateIps).toEqual([b.ip, vip]);
    expect((await control.calls()).map((call) => call.action)).toEqual(["DescribeVolumes", "DescribeVolumes"]);
  });
});

describe("a world derived from a cluster description (what the lab seeds)", () => {
  it("has each node's instance and interface, the Elastic IP unassociated and the volume available in the nodes' AZ", async () => {
    const path = new URL("../lab/fixtures/keepalived-pair.yaml", import.meta.url);
    const description = parseClusterDescription(readFileSync(path, "utf8"), path.pathname);
    const derived = await startEc2Server({ spec: worldSpecFromDescription(description, { subnetPrefix: 24 }) });
    const client = new EC2Client({ endpoint: derived.url, region: description.region!, credentials, maxAttempts: 1 });
    try {
      for (const node of description.nodes) {
        const eni = (await client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [node.networkInterfaceId!] })))
          .NetworkInterfaces![0]!;
        expect(eni).toMatchObject({
          PrivateIpAddress: node.address,
          Attachment: { InstanceId: node.instanceId },
          AvailabilityZone: "eu-west-1a",
        });
      }
      const volume = (await client.send(new DescribeVolumesCommand({}))).Volumes![0]!;
      expect(volume).toMatchObject({ State: "available", AvailabilityZone: "eu-west-1a" });
      const address = (await client.send(new DescribeAddressesCommand({}))).Addresses![0]!;
      expect(address.AssociationId).toBeUndefined();
      // The VIP fits the derived subnet, so the first master can take it.
      await client.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: description.nodes[0]!.networkInterfaceId!,
          PrivateIpAddresses: ["10.231.1.100"],
          AllowReassignment: true,
        }),
      );
    } finally {
      client.destroy();
      await derived.close();
    }
  });
});
