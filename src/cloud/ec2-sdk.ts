import { setTimeout as sleep } from "node:timers/promises";
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
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceRouteCommand,
  StopInstancesCommand,
  UnassignPrivateIpAddressesCommand,
  type Address,
  type EC2Client,
  type NetworkInterface,
} from "@aws-sdk/client-ec2";
import { AwsHaError } from "../errors";
import { escapeControls, quoted } from "../log";
import type {
  AddressView,
  AttachmentState,
  DryRunAction,
  Ec2,
  InstanceState,
  InstanceView,
  InterfaceView,
  Permission,
  RouteView,
  VolumeState,
  VolumeView,
} from "./ec2-port";
import { MAX_ATTEMPTS } from "./ec2-client";
import { awsCodeOf, ec2Failure, isAwsCode, isRequestRefusal, isTransient, namesMissingRoute } from "./ec2-errors";

// The Ec2 port over the AWS SDK. Each method is one EC2 action (two for routeTo), bounded by the
// transition deadline's signal; "already done" answers count as success so that re-runs converge.

export class SdkEc2 implements Ec2 {
  constructor(
    private readonly client: EC2Client,
    private readonly signal: () => AbortSignal,
    /** A client that makes one attempt per call; the main client when none is given. */
    private readonly singleAttempt: () => EC2Client = () => client,
  ) {}

  async describeInterface(networkInterfaceId: string): Promise<InterfaceView> {
    const out = await this.call(
      "DescribeNetworkInterfaces",
      networkInterfaceId,
      this.client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [networkInterfaceId] }), this.options),
    );
    const eni = out.NetworkInterfaces?.[0];
    if (!eni) throw missing("DescribeNetworkInterfaces", "network interface", networkInterfaceId);
    return interfaceView(eni);
  }

  async findInterfaceByPrivateIp(privateIp: string): Promise<InterfaceView | undefined> {
    const out = await this.call(
      "DescribeNetworkInterfaces",
      privateIp,
      this.client.send(
        new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "addresses.private-ip-address", Values: [privateIp] }] }),
        this.options,
      ),
    );
    const eni = out.NetworkInterfaces?.[0];
    return eni ? interfaceView(eni) : undefined;
  }

  async assignPrivateIp(networkInterfaceId: string, privateIp: string): Promise<void> {
    await this.call(
      "AssignPrivateIpAddresses",
      networkInterfaceId,
      this.client.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: networkInterfaceId,
          PrivateIpAddresses: [privateIp],
          AllowReassignment: true,
        }),
        this.options,
      ),
    );
  }

  async unassignPrivateIp(networkInterfaceId: string, privateIp: string): Promise<void> {
    try {
      await this.client.send(
        new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: networkInterfaceId, PrivateIpAddresses: [privateIp] }),
        this.options,
      );
    } catch (e) {
      // "Some of the specified addresses are not assigned to interface eni-…": nothing left to remove.
      if (isAwsCode(e, "InvalidParameterValue") && /not assigned/i.test(messageOf(e))) return;
      // An InvalidIPAddress… code likewise names an address the ENI does not carry.
      if (awsCodeOf(e)?.startsWith("InvalidIPAddress")) return;
      throw ec2Failure("UnassignPrivateIpAddresses", e, networkInterfaceId);
    }
  }

  async describeAddress(allocationId: string): Promise<AddressView> {
    const out = await this.call(
      "DescribeAddresses",
      allocationId,
      this.client.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] }), this.options),
    );
    const address = out.Addresses?.[0];
    if (!address) throw missing("DescribeAddresses", "Elastic IP allocation", allocationId);
    return addressView(address);
  }

  async describeAddressByPublicIp(publicIp: string): Promise<AddressView> {
    const out = await this.call(
      "DescribeAddresses",
      publicIp,
      this.client.send(new DescribeAddressesCommand({ PublicIps: [publicIp] }), this.options),
    );
    const address = out.Addresses?.[0];
    if (!address) throw missing("DescribeAddresses", "Elastic IP address", publicIp);
    return addressView(address);
  }

  async associateAddress(allocationId: string, networkInterfaceId: string, privateIp: string): Promise<string> {
    const out = await this.call(
      "AssociateAddress",
      allocationId,
      this.client.send(
        new AssociateAddressCommand({
          AllocationId: allocationId,
          NetworkInterfaceId: networkInterfaceId,
          PrivateIpAddress: privateIp,
          AllowReassociation: true,
        }),
        this.options,
      ),
    );
    if (!out.AssociationId)
      throw new AwsHaError("cloud", `EC2 AssociateAddress returned no association id for ${allocationId}`, {
        resource: allocationId,
        fix: "check the address in the EC2 console; retry the transition",
      });
    return out.AssociationId;
  }

  async disassociateAddressFrom(allocationId: string, networkInterfaceId: string): Promise<boolean> {
    return this.whileOurs(
      "DisassociateAddress",
      allocationId,
      async () => {
        const now = await this.describeAddress(allocationId);
        return now.networkInterfaceId === networkInterfaceId ? now.associationId : undefined;
      },
      async (associationId) => {
        try {
          await this.singleAttempt().send(new DisassociateAddressCommand({ AssociationId: associationId }), this.options);
          return true;
        } catch (e) {
          // The association we saw is gone already (the address moved, or a previous run removed it).
          if (isAwsCode(e, "InvalidAssociationID.NotFound")) return false;
          throw e;
        }
      },
    );
  }

  async describeRoutes(routeTableIds: readonly string[], cidr: string): Promise<RouteView[]> {
    if (routeTableIds.length === 0) return [];
    const out = await this.call(
      "DescribeRouteTables",
      routeTableIds.join(","),
      this.client.send(new DescribeRouteTablesCommand({ RouteTableIds: [...routeTableIds] }), this.options),
    );
    return routeTableIds.map((routeTableId) => {
      const table = out.RouteTables?.find((t) => t.RouteTableId === routeTableId);
      if (!table) throw missing("DescribeRouteTables", "route table", routeTableId);
      const route = table.Routes?.find((r) => r.DestinationCidrBlock === cidr);
      return { routeTableId, exists: route !== undefined, networkInterfaceId: route?.NetworkInterfaceId, state: route?.State };
    });
  }

  async routeTo(routeTableId: string, cidr: string, networkInterfaceId: string): Promise<void> {
    const route = { RouteTableId: routeTableId, DestinationCidrBlock: cidr, NetworkInterfaceId: networkInterfaceId };
    const resource = `${routeTableId} ${cidr}`;
    try {
      await this.client.send(new ReplaceRouteCommand(route), this.options);
      return;
    } catch (e) {
      if (!isMissingRoute(e)) throw ec2Failure("ReplaceRoute", e, resource);
    }
    try {
      await this.client.send(new CreateRouteCommand(route), this.options);
    } catch (e) {
      // Someone created the route between our two calls: take it over.
      if (!isAwsCode(e, "RouteAlreadyExists")) throw ec2Failure("CreateRoute", e, resource);
      await this.call("ReplaceRoute", resource, this.client.send(new ReplaceRouteCommand(route), this.options));
    }
  }

  async deleteRouteTo(routeTableId: string, cidr: string, networkInterfaceId: string): Promise<boolean> {
    return this.whileOurs(
      "DeleteRoute",
      `${routeTableId} ${cidr}`,
      async () => {
        const [route] = await this.describeRoutes([routeTableId], cidr);
        return route?.exists && route.networkInterfaceId === networkInterfaceId ? route : undefined;
      },
      async () => {
        try {
          await this.singleAttempt().send(new DeleteRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: cidr }), this.options);
          return true;
        } catch (e) {
          if (isMissingRoute(e)) return false;
          throw e;
        }
      },
    );
  }

  /**
   * A release that EC2 cannot make conditional: `ours` reads whether the resource is still ours
   * right before every attempt, and each attempt is sent once. The SDK's own retry would send it
   * again after a backoff of up to seconds, unchecked, by when a peer may have taken the resource.
   */
  private async whileOurs<T>(
    action: string,
    resource: string,
    ours: () => Promise<T | undefined>,
    attempt: (found: T) => Promise<boolean>,
  ): Promise<boolean> {
    for (let n = 1; ; n++) {
      const found = await ours();
      if (found === undefined) return false;
      try {
        return await attempt(found);
      } catch (e) {
        if (n >= MAX_ATTEMPTS || !isTransient(e)) throw ec2Failure(action, e, resource);
        // Jittered like the SDK's standard strategy; the deadline's signal bounds the wait.
        await sleep(Math.random() * Math.min(20_000, 100 * 2 ** n), undefined, { signal: this.signal() }).catch(() => undefined);
      }
    }
  }

  async disableSourceDestCheck(networkInterfaceId: string): Promise<void> {
    await this.call(
      "ModifyNetworkInterfaceAttribute",
      networkInterfaceId,
      this.client.send(
        new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: networkInterfaceId, SourceDestCheck: { Value: false } }),
        this.options,
      ),
    );
  }

  async describeVolume(volumeId: string): Promise<VolumeView> {
    const out = await this.call(
      "DescribeVolumes",
      volumeId,
      this.client.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }), this.options),
    );
    const volume = out.Volumes?.[0];
    if (!volume) throw missing("DescribeVolumes", "volume", volumeId);
    const stateOf = <T extends string>(states: readonly T[], value: string | undefined, what: string, field: string) =>
      documented(states, value, { action: "DescribeVolumes", what, field, resource: volumeId });
    return {
      volumeId,
      state: stateOf(volumeStates, volume.State, "volume state", "status"),
      availabilityZone: volume.AvailabilityZone ?? "",
      attachments: (volume.Attachments ?? []).map((a) => ({
        instanceId: a.InstanceId ?? "",
        state: stateOf(attachmentStates, a.State, "attachment state", "attachmentSet.item.status"),
        device: a.Device ?? "",
      })),
    };
  }

  async attachVolume(volumeId: string, instanceId: string, device: string): Promise<void> {
    await this.call(
      "AttachVolume",
      volumeId,
      this.client.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device }), this.options),
    );
  }

  async detachVolume(volumeId: string, instanceId: string, force: boolean): Promise<void> {
    try {
      await this.client.send(
        new DetachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, ...(force ? { Force: true } : {}) }),
        this.options,
      );
    } catch (e) {
      // "Volume 'vol-…' is in the 'available' state.": detached already.
      if (isAwsCode(e, "IncorrectState") && /'available'/.test(messageOf(e))) return;
      throw ec2Failure("DetachVolume", e, volumeId);
    }
  }

  async describeInstance(instanceId: string): Promise<InstanceView> {
    const out = await this.call(
      "DescribeInstances",
      instanceId,
      this.client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), this.options),
    );
    const instance = out.Reservations?.[0]?.Instances?.[0];
    if (!instance) throw missing("DescribeInstances", "instance", instanceId);
    return {
      instanceId,
      state: documented(instanceStates, instance.State?.Name, {
        action: "DescribeInstances",
        what: "instance state",
        field: "instanceState.name",
        resource: instanceId,
      }),
      availabilityZone: instance.Placement?.AvailabilityZone ?? "",
    };
  }

  async stopInstance(instanceId: string): Promise<void> {
    // A fence must be quick and sure: no graceful OS shutdown that a hung peer may never finish.
    await this.call(
      "StopInstances",
      instanceId,
      this.client.send(new StopInstancesCommand({ InstanceIds: [instanceId], Force: true, SkipOsShutdown: true }), this.options),
    );
  }

  async dryRun(request: DryRunAction): Promise<Permission> {
    try {
      await this.sendDryRun(request);
      // A stand-in that ignores DryRun performed the action: the permission was there.
      return "allowed";
    } catch (e) {
      if (isAwsCode(e, "DryRunOperation")) return "allowed";
      if (isAwsCode(e, "UnauthorizedOperation")) return "denied";
      // EC2 judges some requests before their permission (DryRun included): a refusal proves neither.
      if (isRequestRefusal(e)) return { code: awsCodeOf(e)!, message: messageOf(e) };
      throw ec2Failure(request.action, e);
    }
  }

  /** Waits for an EC2 answer and turns a failure into an AwsHaError naming the action. */
  private async call<T>(action: string, resource: string, pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (e) {
      throw ec2Failure(action, e, resource);
    }
  }

  private get options(): { abortSignal: AbortSignal } {
    return { abortSignal: this.signal() };
  }

  private sendDryRun(r: DryRunAction): Promise<unknown> {
    const DryRun = true;
    const options = this.options;
    switch (r.action) {
      case "AssociateAddress":
        return this.client.send(
          new AssociateAddressCommand({
            DryRun,
            AllocationId: r.allocationId,
            NetworkInterfaceId: r.networkInterfaceId,
            PrivateIpAddress: r.privateIp,
            AllowReassociation: true,
          }),
          options,
        );
      case "DisassociateAddress":
        return this.client.send(new DisassociateAddressCommand({ DryRun, AssociationId: r.associationId }), options);
      case "ReplaceRoute":
        return this.client.send(
          new ReplaceRouteCommand({
            DryRun,
            RouteTableId: r.routeTableId,
            DestinationCidrBlock: r.cidr,
            NetworkInterfaceId: r.networkInterfaceId,
          }),
          options,
        );
      case "CreateRoute":
        return this.client.send(
          new CreateRouteCommand({
            DryRun,
            RouteTableId: r.routeTableId,
            DestinationCidrBlock: r.cidr,
            NetworkInterfaceId: r.networkInterfaceId,
          }),
          options,
        );
      case "AttachVolume":
        return this.client.send(
          new AttachVolumeCommand({ DryRun, VolumeId: r.volumeId, InstanceId: r.instanceId, Device: r.device }),
          options,
        );
      case "DetachVolume":
        return this.client.send(new DetachVolumeCommand({ DryRun, VolumeId: r.volumeId, InstanceId: r.instanceId }), options);
      case "StopInstances":
        return this.client.send(
          new StopInstancesCommand({ DryRun, InstanceIds: [r.instanceId], Force: true, SkipOsShutdown: true }),
          options,
        );
      case "DescribeNetworkInterfaces":
        return this.client.send(new DescribeNetworkInterfacesCommand({ DryRun }), options);
      case "DescribeAddresses":
        return this.client.send(new DescribeAddressesCommand({ DryRun }), options);
      case "DescribeVolumes":
        return this.client.send(new DescribeVolumesCommand({ DryRun }), options);
      case "DescribeInstances":
        return this.client.send(new DescribeInstancesCommand({ DryRun }), options);
      case "DescribeRouteTables":
        return this.client.send(new DescribeRouteTablesCommand({ DryRun }), options);
    }
  }
}

function isMissingRoute(e: unknown): boolean {
  const code = awsCodeOf(e);
  return code !== undefined && namesMissingRoute(code, messageOf(e));
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// The states EC2 documents. Fencing and the volume waits decide on them (attach only when
// "available", fence until "stopped"), so a word EC2 does not send — or none — is never passed on as one.
const volumeStates: readonly VolumeState[] = ["creating", "available", "in-use", "deleting", "deleted", "error"];
const attachmentStates: readonly AttachmentState[] = ["attaching", "attached", "detaching", "detached", "busy"];
const instanceStates: readonly InstanceState[] = ["pending", "running", "shutting-down", "terminated", "stopping", "stopped"];

function documented<T extends string>(
  states: readonly T[],
  value: string | undefined,
  where: { action: string; what: string; field: string; resource: string },
): T {
  if (value !== undefined && (states as readonly string[]).includes(value)) return value as T;
  const answer =
    value === undefined
      ? `no ${where.what} (${where.field}), which EC2 always sends`
      : `${escapeControls(quoted(value, 40))} as the ${where.what} (${where.field}), which EC2 does not send`;
  throw new AwsHaError("cloud", `EC2 ${where.action} answered ${answer}`, {
    resource: where.resource,
    fix: "aws-ha acts only on the states EC2 documents: check the EC2 endpoint the node uses (AWS_ENDPOINT_URL_EC2, a VPC endpoint) and any proxy in between, then retry the transition",
  });
}

/** EC2 usually says NotFound itself; an empty answer to a query by id means the same. */
function missing(action: string, what: string, id: string): AwsHaError {
  return new AwsHaError("config", `EC2 ${action}: ${what} ${id} does not exist`, {
    resource: id,
    fix: "check the ids in the cluster description: they must exist in the node's region and account",
  });
}

function interfaceView(eni: NetworkInterface): InterfaceView {
  const addresses = [...(eni.PrivateIpAddresses ?? [])].sort((a, b) => Number(b.Primary ?? false) - Number(a.Primary ?? false));
  return {
    networkInterfaceId: eni.NetworkInterfaceId ?? "",
    subnetId: eni.SubnetId ?? "",
    availabilityZone: eni.AvailabilityZone ?? "",
    privateIps: addresses.map((a) => a.PrivateIpAddress).filter((ip): ip is string => ip !== undefined),
    sourceDestCheck: eni.SourceDestCheck ?? true,
    instanceId: eni.Attachment?.InstanceId,
  };
}

function addressView(a: Address): AddressView {
  return {
    allocationId: a.AllocationId ?? "",
    publicIp: a.PublicIp ?? "",
    associationId: a.AssociationId,
    networkInterfaceId: a.NetworkInterfaceId,
    privateIp: a.PrivateIpAddress,
    instanceId: a.InstanceId,
  };
}
