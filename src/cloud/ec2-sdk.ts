import type { EC2Client } from "@aws-sdk/client-ec2";
import { AwsHaError } from "../errors";
import type { AddressView, DryRunAction, Ec2, EniView, InstanceView, InterfaceView, Permission, RouteView, VolumeView } from "./ec2-port";
import { awsCodeOf, ec2Failure, isAwsCode, isRequestRefusal, namesMissingRoute } from "./ec2-errors";
import { dryRunCommand, ec2Command, type Ec2Answer, type Ec2Request } from "./ec2-requests";
import { addressView, eniView, instanceView, interfaceView, missing, routeViews, volumeView } from "./ec2-views";
import { releaseWhileOurs } from "./ec2-while-ours";

// The Ec2 port over the AWS SDK. Each method is one EC2 action (two for routeTo), bounded by the
// transition deadline's signal; "already done" answers count as success so that re-runs converge.
// The requests themselves are built in ec2-requests.ts, the same for the real call and its DryRun.

export class SdkEc2 implements Ec2 {
  constructor(
    private readonly client: EC2Client,
    private readonly signal: () => AbortSignal,
    /** A client that makes one attempt per call; the main client when none is given. */
    private readonly singleAttempt: () => EC2Client = () => client,
  ) {}

  async describeInterface(networkInterfaceId: string): Promise<InterfaceView> {
    const out = await this.call({ action: "DescribeNetworkInterfaces", networkInterfaceId }, networkInterfaceId);
    const eni = out.NetworkInterfaces?.[0];
    if (!eni) throw missing("DescribeNetworkInterfaces", "network interface", networkInterfaceId);
    return interfaceView(eni);
  }

  async findInterfaceByPrivateIp(privateIp: string): Promise<InterfaceView | undefined> {
    const out = await this.call({ action: "DescribeNetworkInterfaces", privateIp }, privateIp);
    const eni = out.NetworkInterfaces?.[0];
    return eni ? interfaceView(eni) : undefined;
  }

  async assignPrivateIp(networkInterfaceId: string, privateIp: string): Promise<void> {
    await this.call({ action: "AssignPrivateIpAddresses", networkInterfaceId, privateIp }, networkInterfaceId);
  }

  async unassignPrivateIp(networkInterfaceId: string, privateIp: string): Promise<void> {
    try {
      await this.send({ action: "UnassignPrivateIpAddresses", networkInterfaceId, privateIp });
    } catch (e) {
      // "Some of the specified addresses are not assigned to interface eni-…": nothing left to remove.
      if (isAwsCode(e, "InvalidParameterValue") && /not assigned/i.test(messageOf(e))) return;
      // An InvalidIPAddress… code likewise names an address the ENI does not carry.
      if (awsCodeOf(e)?.startsWith("InvalidIPAddress")) return;
      throw ec2Failure("UnassignPrivateIpAddresses", e, networkInterfaceId);
    }
  }

  async findInterfaceByIpv6(ipv6Address: string): Promise<InterfaceView | undefined> {
    const out = await this.call({ action: "DescribeNetworkInterfaces", ipv6Address }, ipv6Address);
    const eni = out.NetworkInterfaces?.[0];
    return eni ? interfaceView(eni) : undefined;
  }

  async assignIpv6(networkInterfaceId: string, ipv6Address: string): Promise<void> {
    await this.call({ action: "AssignIpv6Addresses", networkInterfaceId, ipv6Address }, networkInterfaceId);
  }

  async unassignIpv6(networkInterfaceId: string, ipv6Address: string): Promise<void> {
    try {
      await this.send({ action: "UnassignIpv6Addresses", networkInterfaceId, ipv6Address });
    } catch (e) {
      // As for IPv4: an address the ENI no longer carries leaves nothing to remove.
      if (isAwsCode(e, "InvalidParameterValue") && /not assigned/i.test(messageOf(e))) return;
      throw ec2Failure("UnassignIpv6Addresses", e, networkInterfaceId);
    }
  }

  async describeAddress(allocationId: string): Promise<AddressView> {
    const out = await this.call({ action: "DescribeAddresses", allocationId }, allocationId);
    const address = out.Addresses?.[0];
    if (!address) throw missing("DescribeAddresses", "Elastic IP allocation", allocationId);
    return addressView(address);
  }

  async describeAddressByPublicIp(publicIp: string): Promise<AddressView> {
    const out = await this.call({ action: "DescribeAddresses", publicIp }, publicIp);
    const address = out.Addresses?.[0];
    if (!address) throw missing("DescribeAddresses", "Elastic IP address", publicIp);
    return addressView(address);
  }

  async associateAddress(allocationId: string, networkInterfaceId: string, privateIp: string): Promise<string> {
    const out = await this.call({ action: "AssociateAddress", allocationId, networkInterfaceId, privateIp }, allocationId);
    if (!out.AssociationId)
      throw new AwsHaError("cloud", `EC2 AssociateAddress returned no association id for ${allocationId}`, {
        resource: allocationId,
        fix: "check the address in the EC2 console; retry the transition",
      });
    return out.AssociationId;
  }

  async associateAddressIfFree(allocationId: string, networkInterfaceId: string, privateIp: string): Promise<boolean> {
    try {
      await this.send({ action: "AssociateAddress", allocationId, networkInterfaceId, privateIp, onlyIfFree: true });
      return true;
    } catch (e) {
      if (isAwsCode(e, "Resource.AlreadyAssociated")) return false;
      throw ec2Failure("AssociateAddress", e, allocationId);
    }
  }

  async disassociateAddressFrom(allocationId: string, networkInterfaceId: string): Promise<boolean> {
    return releaseWhileOurs({
      action: "DisassociateAddress",
      resource: allocationId,
      signal: this.signal,
      ours: async () => {
        const now = await this.describeAddress(allocationId);
        return now.networkInterfaceId === networkInterfaceId ? now.associationId : undefined;
      },
      attempt: async (associationId) => {
        try {
          await this.send({ action: "DisassociateAddress", associationId }, this.singleAttempt());
          return true;
        } catch (e) {
          // The association we saw is gone already (the address moved, or a previous run removed it).
          if (isAwsCode(e, "InvalidAssociationID.NotFound")) return false;
          throw e;
        }
      },
    });
  }

  async describeRoutes(routeTableIds: readonly string[], cidr: string): Promise<RouteView[]> {
    if (routeTableIds.length === 0) return [];
    const out = await this.call({ action: "DescribeRouteTables", routeTableIds }, routeTableIds.join(","));
    return routeViews(out.RouteTables ?? [], routeTableIds, cidr);
  }

  async routeTo(routeTableId: string, cidr: string, networkInterfaceId: string): Promise<void> {
    const route = { routeTableId, cidr, networkInterfaceId };
    const resource = `${routeTableId} ${cidr}`;
    try {
      await this.send({ action: "ReplaceRoute", ...route });
      return;
    } catch (e) {
      if (!isMissingRoute(e)) throw ec2Failure("ReplaceRoute", e, resource);
    }
    try {
      await this.send({ action: "CreateRoute", ...route });
    } catch (e) {
      // Someone created the route between our two calls: take it over.
      if (!isAwsCode(e, "RouteAlreadyExists")) throw ec2Failure("CreateRoute", e, resource);
      await this.call({ action: "ReplaceRoute", ...route }, resource);
    }
  }

  async deleteRouteTo(routeTableId: string, cidr: string, networkInterfaceId: string): Promise<boolean> {
    return releaseWhileOurs({
      action: "DeleteRoute",
      resource: `${routeTableId} ${cidr}`,
      signal: this.signal,
      ours: async () => {
        const [route] = await this.describeRoutes([routeTableId], cidr);
        return route?.exists && route.networkInterfaceId === networkInterfaceId ? route : undefined;
      },
      attempt: async () => {
        try {
          await this.send({ action: "DeleteRoute", routeTableId, cidr }, this.singleAttempt());
          return true;
        } catch (e) {
          if (isMissingRoute(e)) return false;
          throw e;
        }
      },
    });
  }

  async disableSourceDestCheck(networkInterfaceId: string): Promise<void> {
    await this.call({ action: "ModifyNetworkInterfaceAttribute", networkInterfaceId, sourceDestCheck: false }, networkInterfaceId);
  }

  async describeVolume(volumeId: string): Promise<VolumeView> {
    const out = await this.call({ action: "DescribeVolumes", volumeId }, volumeId);
    const volume = out.Volumes?.[0];
    if (!volume) throw missing("DescribeVolumes", "volume", volumeId);
    return volumeView(volume, volumeId);
  }

  async attachVolume(volumeId: string, instanceId: string, device: string): Promise<void> {
    await this.call({ action: "AttachVolume", volumeId, instanceId, device }, volumeId);
  }

  async detachVolume(volumeId: string, instanceId: string, force: boolean): Promise<void> {
    try {
      await this.send({ action: "DetachVolume", volumeId, instanceId, force });
    } catch (e) {
      // "Volume 'vol-…' is in the 'available' state.": detached already.
      if (isAwsCode(e, "IncorrectState") && /'available'/.test(messageOf(e))) return;
      throw ec2Failure("DetachVolume", e, volumeId);
    }
  }

  async describeInstance(instanceId: string): Promise<InstanceView> {
    const out = await this.call({ action: "DescribeInstances", instanceId }, instanceId);
    const instance = out.Reservations?.[0]?.Instances?.[0];
    if (!instance) throw missing("DescribeInstances", "instance", instanceId);
    return instanceView(instance, instanceId);
  }

  async stopInstance(instanceId: string): Promise<void> {
    await this.call({ action: "StopInstances", instanceId }, instanceId);
  }

  async startInstance(instanceId: string): Promise<void> {
    await this.call({ action: "StartInstances", instanceId }, instanceId);
  }

  async describeEni(networkInterfaceId: string): Promise<EniView> {
    const out = await this.call({ action: "DescribeNetworkInterfaces", networkInterfaceId }, networkInterfaceId);
    const eni = out.NetworkInterfaces?.[0];
    if (!eni) throw missing("DescribeNetworkInterfaces", "network interface", networkInterfaceId);
    return eniView(eni, networkInterfaceId);
  }

  async attachEni(networkInterfaceId: string, instanceId: string, deviceIndex: number): Promise<string> {
    const out = await this.call({ action: "AttachNetworkInterface", networkInterfaceId, instanceId, deviceIndex }, networkInterfaceId);
    return out.AttachmentId ?? "";
  }

  async detachEniFrom(networkInterfaceId: string, instanceId: string, force: boolean): Promise<boolean> {
    return releaseWhileOurs({
      action: "DetachNetworkInterface",
      resource: networkInterfaceId,
      signal: this.signal,
      ours: async () => {
        const { attachment } = await this.describeEni(networkInterfaceId);
        if (attachment?.instanceId !== instanceId) return undefined;
        return attachment.state === "detaching" && !force ? undefined : attachment.attachmentId;
      },
      attempt: async (attachmentId) => {
        try {
          await this.send({ action: "DetachNetworkInterface", attachmentId, force }, this.singleAttempt());
          return true;
        } catch (e) {
          // The attachment we saw is gone already (a detach completed meanwhile).
          if (isAwsCode(e, "InvalidAttachmentID.NotFound")) return false;
          throw e;
        }
      },
    });
  }

  async dryRun(request: DryRunAction): Promise<Permission> {
    try {
      await this.client.send(dryRunCommand(request) as never, this.options);
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

  /** Sends `request` and turns a failure into an AwsHaError naming its action and `resource`. */
  private async call<R extends Ec2Request>(request: R, resource: string): Promise<Ec2Answer<R["action"]>> {
    try {
      return await this.send(request);
    } catch (e) {
      throw ec2Failure(request.action, e, resource);
    }
  }

  /** Sends `request`; a failure is thrown as the SDK threw it, for the caller to judge. */
  private async send<R extends Ec2Request>(request: R, client = this.client): Promise<Ec2Answer<R["action"]>> {
    // The SDK's send cannot follow an action to its command's answer through the generic; ec2-requests.ts does.
    return (await client.send(ec2Command(request) as never, this.options)) as Ec2Answer<R["action"]>;
  }

  private get options(): { abortSignal: AbortSignal } {
    return { abortSignal: this.signal() };
  }
}

function isMissingRoute(e: unknown): boolean {
  const code = awsCodeOf(e);
  return code !== undefined && namesMissingRoute(code, messageOf(e));
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
