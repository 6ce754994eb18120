import {
  AttachNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  DetachNetworkInterfaceCommand,
  EC2Client,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEc2Server, type Ec2Server } from "../support/ec2-standin/server";
import type { InterfaceAttachmentEvent } from "../support/ec2-standin/world";
import type { WorldSpec } from "../support/ec2-standin/world-spec";
import { waitFor } from "./support/wait";

// The stand-in's whole-ENI attachments, judged by the real SDK over HTTP: what the eni resource
// relies on — the attachment id, attaching → attached and detaching → available over time, the
// device index rules, one AZ, one instance at a time, Force and DryRun — as the API reference
// describes AttachNetworkInterface and DetachNetworkInterface.

const region = "eu-west-1";
const a = { instance: "i-0a000000000000a01", eni: "eni-0a000000000000a01", ip: "10.0.1.11" };
const b = { instance: "i-0b000000000000b02", eni: "eni-0b000000000000b02", ip: "10.0.1.12" };
const far = { instance: "i-0c000000000000c03", eni: "eni-0c000000000000c03", ip: "10.0.2.13" };
const appliance = { eni: "eni-0e000000000000e01", ip: "10.0.1.200", mac: "0e:e0:5a:00:00:01" };
const onB = { eni: "eni-0e000000000000e02", ip: "10.0.1.201" };

const world = (): WorldSpec => ({
  region,
  subnets: [
    { subnetId: "subnet-0a1", cidr: "10.0.1.0/24", availabilityZone: `${region}a` },
    { subnetId: "subnet-0b2", cidr: "10.0.2.0/24", availabilityZone: `${region}b` },
  ],
  instances: [{ instanceId: a.instance }, { instanceId: b.instance }, { instanceId: far.instance }],
  interfaces: [
    { networkInterfaceId: a.eni, subnetId: "subnet-0a1", privateIps: [a.ip], instanceId: a.instance },
    { networkInterfaceId: b.eni, subnetId: "subnet-0a1", privateIps: [b.ip], instanceId: b.instance },
    { networkInterfaceId: far.eni, subnetId: "subnet-0b2", privateIps: [far.ip], instanceId: far.instance },
    { networkInterfaceId: appliance.eni, subnetId: "subnet-0a1", privateIps: [appliance.ip], macAddress: appliance.mac },
    { networkInterfaceId: onB.eni, subnetId: "subnet-0a1", privateIps: [onB.ip], instanceId: b.instance, deviceIndex: 1 },
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
const eventually = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 3_000): Promise<T> =>
  waitFor(what, probe, timeoutMs, 20);

const interfaceOf = async (id: string) =>
  (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] }))).NetworkInterfaces![0]!;
const attach = (instance: string, DeviceIndex: number, eni = appliance.eni, DryRun?: boolean) =>
  ec2.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: eni, InstanceId: instance, DeviceIndex, DryRun }));

describe("AttachNetworkInterface and DetachNetworkInterface", () => {
  it("an attach answers an attachment id at once; the attachment is `attaching`, then `attached`, with the MAC in the description", async () => {
    const attached: InterfaceAttachmentEvent[] = [];
    server.world.events.on("interface-attached", (e) => attached.push(e));

    const { AttachmentId } = await attach(a.instance, 1);

    expect(AttachmentId).toMatch(/^eni-attach-[0-9a-f]{17}$/);
    expect((await interfaceOf(appliance.eni)).Attachment).toMatchObject({
      AttachmentId,
      InstanceId: a.instance,
      DeviceIndex: 1,
      Status: "attaching",
    });
    const done = await eventually(async () => {
      const eni = await interfaceOf(appliance.eni);
      return eni.Attachment?.Status === "attached" ? eni : undefined;
    }, "the attachment");
    expect(done).toMatchObject({
      MacAddress: appliance.mac,
      Status: "in-use",
      Attachment: { AttachmentId, InstanceId: a.instance, DeviceIndex: 1 },
    });
    expect(attached).toEqual([{ networkInterfaceId: appliance.eni, instanceId: a.instance, deviceIndex: 1, macAddress: appliance.mac }]);
  });

  it("a detach is `detaching` until the detach delay has passed, then the interface is available with no attachment", async () => {
    const { AttachmentId } = await attach(a.instance, 1);
    await eventually(async () => ((await interfaceOf(appliance.eni)).Attachment?.Status === "attached" ? true : undefined), "attached");

    await ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId }));

    expect((await interfaceOf(appliance.eni)).Attachment?.Status).toBe("detaching");
    const free = await eventually(async () => {
      const eni = await interfaceOf(appliance.eni);
      return eni.Attachment === undefined ? eni : undefined;
    }, "the detach");
    expect(free.Status).toBe("available");
    // The attachment is gone: its id names nothing any more.
    await expect(ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId }))).rejects.toMatchObject({
      name: "InvalidAttachmentID.NotFound",
    });
  });

  it("Force completes a detach under way without waiting for it", async () => {
    const { AttachmentId } = await attach(a.instance, 1);
    await eventually(async () => ((await interfaceOf(appliance.eni)).Attachment?.Status === "attached" ? true : undefined), "attached");
    server.world.timing.detachMs = 60_000;
    await ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId }));
    expect((await interfaceOf(appliance.eni)).Attachment?.Status).toBe("detaching");

    await ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId, Force: true }));

    await eventually(
      async () => ((await interfaceOf(appliance.eni)).Attachment === undefined ? true : undefined),
      "the forced detach",
      1_000,
    );
  });

  it("an interface attached to one instance cannot be attached to another: InvalidNetworkInterface.InUse", async () => {
    await expect(attach(a.instance, 1, onB.eni)).rejects.toMatchObject({
      name: "InvalidNetworkInterface.InUse",
      message: `Interface: [${onB.eni}] in use.`,
    });
    expect((await interfaceOf(onB.eni)).Attachment).toMatchObject({ InstanceId: b.instance, Status: "attached" });
  });

  it("a device index the instance uses is refused, and index 0 is always its primary interface", async () => {
    await expect(attach(b.instance, 1)).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message: `Instance '${b.instance}' already has an interface attached at device index '1'.`,
    });
    await expect(attach(a.instance, 0)).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message: expect.stringContaining("device index '0'"),
    });
    expect((await interfaceOf(appliance.eni)).Attachment).toBeUndefined();
  });

  it("an interface and an instance in different AZs: InvalidParameterCombination", async () => {
    await expect(attach(far.instance, 1)).rejects.toMatchObject({ name: "InvalidParameterCombination" });
    expect((await interfaceOf(appliance.eni)).Attachment).toBeUndefined();
  });

  it("a primary interface cannot be detached: OperationNotPermitted", async () => {
    const primary = (await interfaceOf(a.eni)).Attachment!;
    expect(primary.DeviceIndex).toBe(0);
    await expect(ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: primary.AttachmentId }))).rejects.toMatchObject({
      name: "OperationNotPermitted",
    });
  });

  it("a stopped instance keeps its interface, and it can be detached from it", async () => {
    await ec2.send(new StopInstancesCommand({ InstanceIds: [b.instance], Force: true }));
    await eventually(async () => (server.world.instance(b.instance).state === "stopped" ? true : undefined), "stopped");
    const { Attachment } = await interfaceOf(onB.eni);
    expect(Attachment).toMatchObject({ InstanceId: b.instance, Status: "attached" });

    await ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: Attachment!.AttachmentId, Force: true }));

    await eventually(async () => ((await interfaceOf(onB.eni)).Attachment === undefined ? true : undefined), "the detach");
  });

  it("DryRun answers DryRunOperation and changes nothing; an unknown attachment id is refused before that", async () => {
    await expect(attach(a.instance, 1, appliance.eni, true)).rejects.toMatchObject({
      name: "DryRunOperation",
      $metadata: { httpStatusCode: 412 },
    });
    // The state rules come after the permission answer: an attach that would fail still answers DryRunOperation.
    await expect(attach(a.instance, 1, onB.eni, true)).rejects.toMatchObject({ name: "DryRunOperation" });
    await expect(
      ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: "eni-attach-00000000000000000", DryRun: true })),
    ).rejects.toMatchObject({ name: "InvalidAttachmentID.NotFound" });
    expect((await interfaceOf(appliance.eni)).Attachment).toBeUndefined();
    expect(
      server.calls
        .all()
        .filter((c) => c.action === "AttachNetworkInterface")
        .every((c) => c.dryRun),
    ).toBe(true);
  });

  it("a denied attach answers UnauthorizedOperation, with DryRun too", async () => {
    server.faults.inject({ kind: "deny", actions: ["AttachNetworkInterface"] });
    await expect(attach(a.instance, 1, appliance.eni, true)).rejects.toMatchObject({ name: "UnauthorizedOperation" });
    await expect(attach(a.instance, 1)).rejects.toMatchObject({ name: "UnauthorizedOperation" });
    expect((await interfaceOf(appliance.eni)).Attachment).toBeUndefined();
  });
});
