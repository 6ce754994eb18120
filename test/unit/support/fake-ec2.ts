import type {
  AddressView,
  AttachmentState,
  Ec2,
  EniView,
  InstanceState,
  InstanceView,
  InterfaceView,
  Permission,
  RouteView,
  VolumeView,
} from "../../../src/cloud/ec2-port";
import { randomUUID } from "node:crypto";
import { EC2ServiceException } from "@aws-sdk/client-ec2";
import { ec2Failure } from "../../../src/cloud/ec2-errors";
import type { AwsHaError } from "../../../src/errors";

// An in-memory EC2 behind the port, shared by every node of a test's cluster. It keeps the state a
// failover changes and the rules that make it dangerous: reassignment moves an address (and the
// Elastic IP on it), an attached volume refuses a second attachment, volumes attach only in their
// own zone, and attach, detach and stop take a few describes to finish.
//
// It fails the way the SDK adapter does: EC2's answer as the SDK throws it (an EC2ServiceException
// named after EC2's code, with EC2's message, HTTP status and request id), turned into an AwsHaError
// by the production mapping (ec2Failure) for the action and resource the adapter names. So what a
// unit test sees of a refusal is what a node would log.

/** EC2's error answer as the SDK throws it. */
export function ec2Answer(code: string, message: string, httpStatusCode = 400): EC2ServiceException {
  return new EC2ServiceException({
    name: code,
    message,
    $fault: httpStatusCode >= 500 ? "server" : "client",
    $metadata: { httpStatusCode, requestId: randomUUID() },
  });
}

/** The AwsHaError the SDK adapter raises when EC2 answers `action` with `code`. */
export function ec2Refusal(action: string, code: string, message: string, resource?: string): AwsHaError {
  return ec2Failure(action, ec2Answer(code, message), resource);
}

interface Attachment {
  instanceId: string;
  device: string;
  state: AttachmentState;
  /** Describes left until attaching → attached or detaching → gone. */
  settlesIn: number;
}

interface Volume {
  volumeId: string;
  availabilityZone: string;
  attachments: Attachment[];
  /** The peer lets go by itself (its own release) after this many describes. */
  peerLetsGoIn?: number;
}

interface MovableEni {
  view: Omit<EniView, "attachment">;
  attachment?: Attachment & { attachmentId: string; deviceIndex: number };
  /** The peer lets go by itself (its own release) after this many describes. */
  peerLetsGoIn?: number;
}

interface Instance {
  instanceId: string;
  availabilityZone: string;
  state: InstanceState;
  stopsIn: number;
}

export class FakeEc2 implements Ec2 {
  readonly interfaces = new Map<string, InterfaceView>();
  readonly addresses = new Map<string, AddressView>();
  /** route table → destination CIDR → target ENI */
  readonly routeTables = new Map<string, Map<string, string>>();
  readonly volumes = new Map<string, Volume>();
  readonly instances = new Map<string, Instance>();
  /** Secondary ENIs that move whole (kind eni). */
  readonly enis = new Map<string, MovableEni>();
  /** How many describes an attach or a detach takes. */
  settleDescribes = 2;
  /** How many describes a stopping instance takes to reach `stopped` (Infinity: never). */
  stopDescribes = 2;
  private associations = 0;
  private attachments = 0;

  /** `calls`: every mutating call, in order, e.g. "assignPrivateIp eni-… 10.0.1.100" (may be shared with hosts). */
  constructor(readonly calls: string[] = []) {}

  // ---- arranging the world ----

  addInstance(instanceId: string, availabilityZone: string, state: InstanceState = "running"): void {
    this.instances.set(instanceId, { instanceId, availabilityZone, state, stopsIn: 0 });
  }

  addInterface(view: InterfaceView): void {
    this.interfaces.set(view.networkInterfaceId, { ...view, privateIps: [...view.privateIps] });
  }

  addAddress(allocationId: string, publicIp: string, association?: { networkInterfaceId: string; privateIp: string }): void {
    this.addresses.set(allocationId, { allocationId, publicIp });
    if (association) this.associate(allocationId, association.networkInterfaceId, association.privateIp);
  }

  addRouteTable(routeTableId: string, routes: Record<string, string> = {}): void {
    this.routeTables.set(routeTableId, new Map(Object.entries(routes)));
  }

  addVolume(
    volumeId: string,
    availabilityZone: string,
    attachedTo?: { instanceId: string; device?: string; state?: AttachmentState },
  ): void {
    const attachments = attachedTo
      ? [
          {
            instanceId: attachedTo.instanceId,
            device: attachedTo.device ?? "/dev/sdf",
            state: attachedTo.state ?? "attached",
            settlesIn: 0,
          },
        ]
      : [];
    this.volumes.set(volumeId, { volumeId, availabilityZone, attachments });
  }

  addEni(view: Omit<EniView, "attachment">, attachedTo?: { instanceId: string; deviceIndex: number; state?: AttachmentState }): void {
    const attachment = attachedTo && {
      instanceId: attachedTo.instanceId,
      deviceIndex: attachedTo.deviceIndex,
      state: attachedTo.state ?? "attached",
      device: "",
      attachmentId: `eni-attach-${String(++this.attachments).padStart(8, "0")}`,
      settlesIn: 0,
    };
    this.enis.set(view.networkInterfaceId, { view: { ...view, privateIps: [...view.privateIps] }, attachment });
  }

  /** The node holding the ENI releases it by itself (its own backup transition) after a few describes. */
  peerReleasesEniAfter(networkInterfaceId: string, describes: number): void {
    this.arranged(this.enis, networkInterfaceId).peerLetsGoIn = describes;
  }

  /** Where the ENI is attached now, if anywhere. */
  eniAttachment(networkInterfaceId: string): { instanceId: string; deviceIndex: number; state: AttachmentState } | undefined {
    const a = this.arranged(this.enis, networkInterfaceId).attachment;
    return a && { instanceId: a.instanceId, deviceIndex: a.deviceIndex, state: a.state };
  }

  /** Puts an instance in a state it keeps (a `stopping` instance stays stopping). */
  pinInstanceState(instanceId: string, state: InstanceState): void {
    Object.assign(this.arranged(this.instances, instanceId), { state, stopsIn: Infinity });
  }

  /** The node holding the volume releases it by itself (its own backup transition) after a few describes. */
  peerReleasesAfter(volumeId: string, describes: number): void {
    this.arranged(this.volumes, volumeId).peerLetsGoIn = describes;
  }

  /** The instance a volume is attached to now, with the attachment's state. */
  attachmentsOf(volumeId: string): { instanceId: string; state: AttachmentState }[] {
    return this.arranged(this.volumes, volumeId).attachments.map(({ instanceId, state }) => ({ instanceId, state }));
  }

  mutated(prefix: string): string[] {
    return this.calls.filter((c) => c.startsWith(prefix));
  }

  // ---- interfaces and secondary addresses ----

  async describeInterface(networkInterfaceId: string): Promise<InterfaceView> {
    return structuredClone(this.eni(networkInterfaceId, "DescribeNetworkInterfaces"));
  }

  async findInterfaceByPrivateIp(privateIp: string): Promise<InterfaceView | undefined> {
    const found = [...this.interfaces.values()].find((i) => i.privateIps.includes(privateIp));
    return found && structuredClone(found);
  }

  async assignPrivateIp(networkInterfaceId: string, privateIp: string): Promise<void> {
    this.calls.push(`assignPrivateIp ${networkInterfaceId} ${privateIp}`);
    const target = this.eni(networkInterfaceId, "AssignPrivateIpAddresses");
    for (const other of this.interfaces.values()) {
      if (other === target || !other.privateIps.includes(privateIp)) continue;
      other.privateIps = other.privateIps.filter((ip) => ip !== privateIp);
      // An Elastic IP on a reassigned address moves with it.
      for (const a of this.addresses.values())
        if (a.networkInterfaceId === other.networkInterfaceId && a.privateIp === privateIp) {
          a.networkInterfaceId = target.networkInterfaceId;
          a.instanceId = target.instanceId;
        }
    }
    if (!target.privateIps.includes(privateIp)) target.privateIps.push(privateIp);
  }

  async unassignPrivateIp(networkInterfaceId: string, privateIp: string): Promise<void> {
    this.calls.push(`unassignPrivateIp ${networkInterfaceId} ${privateIp}`);
    const nic = this.eni(networkInterfaceId, "UnassignPrivateIpAddresses");
    nic.privateIps = nic.privateIps.filter((ip) => ip !== privateIp);
    for (const a of this.addresses.values())
      if (a.networkInterfaceId === networkInterfaceId && a.privateIp === privateIp) this.dissociate(a);
  }

  // ---- IPv6 addresses: no reassignment, an address on another ENI is refused ----

  async findInterfaceByIpv6(ipv6Address: string): Promise<InterfaceView | undefined> {
    const found = [...this.interfaces.values()].find((i) => i.ipv6Addresses?.includes(ipv6Address));
    return found && structuredClone(found);
  }

  async assignIpv6(networkInterfaceId: string, ipv6Address: string): Promise<void> {
    this.calls.push(`assignIpv6 ${networkInterfaceId} ${ipv6Address}`);
    const target = this.eni(networkInterfaceId, "AssignIpv6Addresses");
    const holder = [...this.interfaces.values()].find((i) => i.ipv6Addresses?.includes(ipv6Address));
    if (holder && holder !== target)
      throw ec2Refusal("AssignIpv6Addresses", "InvalidIPAddress.InUse", `Address ${ipv6Address} is in use.`, networkInterfaceId);
    if (!holder) target.ipv6Addresses = [...(target.ipv6Addresses ?? []), ipv6Address];
  }

  async unassignIpv6(networkInterfaceId: string, ipv6Address: string): Promise<void> {
    this.calls.push(`unassignIpv6 ${networkInterfaceId} ${ipv6Address}`);
    const nic = this.eni(networkInterfaceId, "UnassignIpv6Addresses");
    nic.ipv6Addresses = (nic.ipv6Addresses ?? []).filter((ip) => ip !== ipv6Address);
  }

  // ---- Elastic IPs ----

  async describeAddress(allocationId: string): Promise<AddressView> {
    return { ...this.address(allocationId, "DescribeAddresses") };
  }

  async describeAddressByPublicIp(publicIp: string): Promise<AddressView> {
    const address = [...this.addresses.values()].find((a) => a.publicIp === publicIp);
    if (!address) throw ec2Refusal("DescribeAddresses", "InvalidAddress.NotFound", `Address '${publicIp}' not found.`, publicIp);
    return { ...address };
  }

  async associateAddress(allocationId: string, networkInterfaceId: string, privateIp: string): Promise<string> {
    this.calls.push(`associateAddress ${allocationId} ${networkInterfaceId} ${privateIp}`);
    this.address(allocationId, "AssociateAddress");
    this.mustCarry(networkInterfaceId, privateIp, allocationId);
    return this.associate(allocationId, networkInterfaceId, privateIp);
  }

  async associateAddressIfFree(allocationId: string, networkInterfaceId: string, privateIp: string): Promise<boolean> {
    this.calls.push(`associateAddressIfFree ${allocationId} ${networkInterfaceId} ${privateIp}`);
    if (this.address(allocationId, "AssociateAddress").associationId) return false;
    this.mustCarry(networkInterfaceId, privateIp, allocationId);
    this.associate(allocationId, networkInterfaceId, privateIp);
    return true;
  }

  /** AssociateAddress names a private address the ENI carries, or EC2 refuses it. */
  private mustCarry(networkInterfaceId: string, privateIp: string, allocationId: string): void {
    if (!this.eni(networkInterfaceId, "AssociateAddress", allocationId).privateIps.includes(privateIp))
      throw ec2Refusal(
        "AssociateAddress",
        "InvalidParameterValue",
        `The private IP address ${privateIp} is not assigned to network interface ${networkInterfaceId}.`,
        allocationId,
      );
  }

  async disassociateAddressFrom(allocationId: string, networkInterfaceId: string): Promise<boolean> {
    const address = [...this.addresses.values()].find((a) => a.allocationId === allocationId);
    if (!address?.associationId || address.networkInterfaceId !== networkInterfaceId) return false;
    this.calls.push(`disassociateAddress ${address.associationId}`);
    this.dissociate(address);
    return true;
  }

  // ---- routes ----

  async describeRoutes(routeTableIds: readonly string[], cidr: string): Promise<RouteView[]> {
    return routeTableIds.map((routeTableId) => {
      const target = this.table(routeTableId, "DescribeRouteTables", routeTableIds.join(",")).get(cidr);
      return target === undefined
        ? { routeTableId, exists: false }
        : { routeTableId, exists: true, networkInterfaceId: target, state: "active" };
    });
  }

  async routeTo(routeTableId: string, cidr: string, networkInterfaceId: string): Promise<void> {
    const table = this.table(routeTableId, "ReplaceRoute", `${routeTableId} ${cidr}`);
    // ReplaceRoute, falling back to CreateRoute when the table has no route yet.
    this.calls.push(`${table.has(cidr) ? "replaceRoute" : "createRoute"} ${routeTableId} ${cidr} ${networkInterfaceId}`);
    table.set(cidr, networkInterfaceId);
  }

  async deleteRouteTo(routeTableId: string, cidr: string, networkInterfaceId: string): Promise<boolean> {
    // The adapter reads the route before it deletes it.
    const table = this.table(routeTableId, "DescribeRouteTables", routeTableId);
    if (table.get(cidr) !== networkInterfaceId) return false;
    this.calls.push(`deleteRoute ${routeTableId} ${cidr}`);
    table.delete(cidr);
    return true;
  }

  async disableSourceDestCheck(networkInterfaceId: string): Promise<void> {
    this.calls.push(`disableSourceDestCheck ${networkInterfaceId}`);
    this.eni(networkInterfaceId, "ModifyNetworkInterfaceAttribute").sourceDestCheck = false;
  }

  // ---- volumes and instances ----

  async describeVolume(volumeId: string): Promise<VolumeView> {
    const v = this.volume(volumeId, "DescribeVolumes");
    this.advance(v);
    return {
      volumeId,
      availabilityZone: v.availabilityZone,
      state: v.attachments.length > 0 ? "in-use" : "available",
      attachments: v.attachments.map(({ instanceId, state, device }) => ({ instanceId, state, device })),
    };
  }

  async attachVolume(volumeId: string, instanceId: string, device: string): Promise<void> {
    this.calls.push(`attachVolume ${volumeId} ${instanceId} ${device}`);
    const v = this.volume(volumeId, "AttachVolume");
    const instance = this.instance(instanceId, "AttachVolume", volumeId);
    if (instance.availabilityZone !== v.availabilityZone)
      throw ec2Refusal(
        "AttachVolume",
        "InvalidVolume.ZoneMismatch",
        `The volume '${volumeId}' is not in the same availability zone as instance '${instanceId}'`,
        volumeId,
      );
    if (v.attachments.length > 0)
      throw ec2Refusal("AttachVolume", "VolumeInUse", `${volumeId} is already attached to an instance`, volumeId);
    v.attachments.push({ instanceId, device, state: "attaching", settlesIn: this.settleDescribes });
  }

  async detachVolume(volumeId: string, instanceId: string, force: boolean): Promise<void> {
    this.calls.push(`detachVolume ${volumeId} ${instanceId}${force ? " force" : ""}`);
    const attachment = this.volume(volumeId, "DetachVolume").attachments.find((a) => a.instanceId === instanceId);
    if (!attachment || attachment.state === "detaching") return;
    attachment.state = "detaching";
    attachment.settlesIn = this.settleDescribes;
  }

  async describeInstance(instanceId: string): Promise<InstanceView> {
    const i = this.instance(instanceId, "DescribeInstances");
    if (i.state === "stopping" && --i.stopsIn <= 0) i.state = "stopped";
    return { instanceId, state: i.state, availabilityZone: i.availabilityZone };
  }

  async stopInstance(instanceId: string): Promise<void> {
    this.calls.push(`stopInstance ${instanceId}`);
    const i = this.instance(instanceId, "StopInstances");
    if (i.state === "stopped" || i.state === "stopping") return;
    i.state = "stopping";
    i.stopsIn = this.stopDescribes;
  }

  async startInstance(instanceId: string): Promise<void> {
    this.calls.push(`startInstance ${instanceId}`);
    const i = this.instance(instanceId, "StartInstances");
    if (i.state === "stopped") i.state = "running";
  }

  // ---- whole ENIs ----

  async describeEni(networkInterfaceId: string): Promise<EniView> {
    const e = this.movable(networkInterfaceId, "DescribeNetworkInterfaces");
    this.advanceEni(e);
    const a = e.attachment;
    return structuredClone({
      ...e.view,
      ...(a ? { attachment: { attachmentId: a.attachmentId, instanceId: a.instanceId, deviceIndex: a.deviceIndex, state: a.state } } : {}),
    });
  }

  async attachEni(networkInterfaceId: string, instanceId: string, deviceIndex: number): Promise<string> {
    this.calls.push(`attachEni ${networkInterfaceId} ${instanceId} ${deviceIndex}`);
    const e = this.movable(networkInterfaceId, "AttachNetworkInterface");
    const instance = this.instance(instanceId, "AttachNetworkInterface", networkInterfaceId);
    if (e.attachment)
      throw ec2Refusal(
        "AttachNetworkInterface",
        "InvalidNetworkInterface.InUse",
        `Interface: [${networkInterfaceId}] in use.`,
        networkInterfaceId,
      );
    if (instance.availabilityZone !== e.view.availabilityZone)
      throw ec2Refusal(
        "AttachNetworkInterface",
        "InvalidParameterCombination",
        "You may not attach a network interface to an instance if they are not in the same availability zone",
        networkInterfaceId,
      );
    const attachmentId = `eni-attach-${String(++this.attachments).padStart(8, "0")}`;
    e.attachment = { instanceId, deviceIndex, state: "attaching", device: "", attachmentId, settlesIn: this.settleDescribes };
    return attachmentId;
  }

  async detachEniFrom(networkInterfaceId: string, instanceId: string, force: boolean): Promise<boolean> {
    // The adapter reads the attachment before it detaches it.
    const a = this.movable(networkInterfaceId, "DescribeNetworkInterfaces").attachment;
    if (a?.instanceId !== instanceId || (a.state === "detaching" && !force)) return false;
    this.calls.push(`detachEni ${networkInterfaceId} ${instanceId}${force ? " force" : ""}`);
    a.state = "detaching";
    a.settlesIn = this.settleDescribes;
    return true;
  }

  async dryRun(): Promise<Permission> {
    return "allowed";
  }

  // ---- inner workings ----

  private advance(v: Volume): void {
    if (v.peerLetsGoIn !== undefined && --v.peerLetsGoIn <= 0) {
      v.peerLetsGoIn = undefined;
      for (const a of v.attachments) {
        if (a.state !== "attached") continue;
        a.state = "detaching";
        a.settlesIn = 2;
      }
    }
    for (const a of v.attachments) {
      if (a.state !== "attaching" && a.state !== "detaching") continue;
      if (--a.settlesIn > 0) continue;
      a.state = a.state === "attaching" ? "attached" : "detached";
    }
    v.attachments = v.attachments.filter((a) => a.state !== "detached");
  }

  private advanceEni(e: MovableEni): void {
    const a = e.attachment;
    if (!a) return;
    if (e.peerLetsGoIn !== undefined && --e.peerLetsGoIn <= 0) {
      e.peerLetsGoIn = undefined;
      if (a.state === "attached") Object.assign(a, { state: "detaching", settlesIn: 2 });
    }
    if ((a.state === "attaching" || a.state === "detaching") && --a.settlesIn <= 0) {
      if (a.state === "attaching") a.state = "attached";
      else e.attachment = undefined;
    }
  }

  private associate(allocationId: string, networkInterfaceId: string, privateIp: string): string {
    const address = this.addresses.get(allocationId)!;
    const associationId = `eipassoc-${String(++this.associations).padStart(8, "0")}`;
    const { instanceId } = this.eni(networkInterfaceId, "AssociateAddress", allocationId);
    Object.assign(address, { associationId, networkInterfaceId, privateIp, instanceId });
    return associationId;
  }

  private dissociate(address: AddressView): void {
    delete address.associationId;
    delete address.networkInterfaceId;
    delete address.privateIp;
    delete address.instanceId;
  }

  /** A thing the test itself arranged: missing means the test is wrong, not EC2's answer. */
  private arranged<T>(things: ReadonlyMap<string, T>, id: string): T {
    const thing = things.get(id);
    if (!thing) throw new Error(`the fake EC2 has no ${id}: add it first`);
    return thing;
  }

  // Each lookup fails as EC2 answers an unknown id, for the action (and the resource) the adapter names.

  private eni(id: string, action: string, resource = id): InterfaceView {
    const nic = this.interfaces.get(id);
    if (!nic) throw ec2Refusal(action, "InvalidNetworkInterfaceID.NotFound", `The networkInterface ID '${id}' does not exist`, resource);
    return nic;
  }

  private movable(id: string, action: string): MovableEni {
    const e = this.enis.get(id);
    if (!e) throw ec2Refusal(action, "InvalidNetworkInterfaceID.NotFound", `The networkInterface ID '${id}' does not exist`, id);
    return e;
  }

  private address(allocationId: string, action: string): AddressView {
    const address = this.addresses.get(allocationId);
    if (!address)
      throw ec2Refusal(action, "InvalidAllocationID.NotFound", `The allocation ID '${allocationId}' does not exist`, allocationId);
    return address;
  }

  private table(id: string, action: string, resource: string): Map<string, string> {
    const table = this.routeTables.get(id);
    if (!table) throw ec2Refusal(action, "InvalidRouteTableID.NotFound", `The routeTable ID '${id}' does not exist`, resource);
    return table;
  }

  private volume(id: string, action: string): Volume {
    const v = this.volumes.get(id);
    if (!v) throw ec2Refusal(action, "InvalidVolume.NotFound", `The volume '${id}' does not exist.`, id);
    return v;
  }

  private instance(id: string, action: string, resource = id): Instance {
    const i = this.instances.get(id);
    if (!i) throw ec2Refusal(action, "InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`, resource);
    return i;
  }
}
