import { EventEmitter } from "node:events";
import { cidrContains, parseCidr } from "./ipv4";
import { cidrContains as blockContains, familyOf } from "../../../src/cluster/ip-addresses";
import { allocationNotFound, instanceNotFound, interfaceNotFound, routeTableNotFound, subnetNotFound, volumeNotFound } from "./errors";
import {
  defaultTiming,
  type AttachmentStateName,
  type InstanceStateName,
  type RequestChecks,
  type Timing,
  type VolumeStateName,
  type WorldSpec,
} from "./world-spec";
import type { WorldSnapshot } from "./snapshot";

// The state of one simulated EC2 region: what exists, who holds which address and volume, and the
// transitions still in flight (attaching, detaching, stopping). Actions change it; tests read it.
// Lookups throw EC2's own NotFound errors so every action reports unknown ids the same way.

export interface Subnet {
  subnetId: string;
  vpcId: string;
  cidr: string;
  availabilityZone: string;
  ipv6Cidr?: string;
}

export interface Instance {
  instanceId: string;
  availabilityZone: string;
  state: InstanceStateName;
}

export interface NetworkInterface {
  networkInterfaceId: string;
  subnetId: string;
  /** Primary first. */
  privateIps: string[];
  sourceDestCheck: boolean;
  instanceId: string | undefined;
  deviceIndex: number;
  attachmentId: string;
  macAddress: string;
  maxPrivateIps: number;
  ipv6Addresses: string[];
  /**
   * The attachment's state while it is in flight (AttachNetworkInterface, DetachNetworkInterface);
   * an interface attached from the start, or once the attach completed, is `attached`.
   */
  attachmentState?: "attaching" | "attached" | "detaching";
}

export interface ElasticIp {
  allocationId: string;
  publicIp: string;
  association: { associationId: string; networkInterfaceId: string; privateIp: string } | undefined;
}

export interface Route {
  destinationCidrBlock: string;
  networkInterfaceId?: string;
  gatewayId?: string;
  origin: "CreateRouteTable" | "CreateRoute";
}

export interface RouteTable {
  routeTableId: string;
  vpcId: string;
  routes: Route[];
}

export interface VolumeAttachment {
  instanceId: string;
  device: string;
  state: AttachmentStateName;
  attachTime: Date;
  /** Set by a detach that waits for the OS to let go (non-force on a running instance). */
  pendingDetach: boolean;
}

export interface Volume {
  volumeId: string;
  availabilityZone: string;
  size: number;
  state: VolumeStateName;
  createTime: Date;
  attachments: VolumeAttachment[];
  stuckUntilForce: boolean;
}

export interface AttachmentEvent {
  volumeId: string;
  instanceId: string;
  device: string;
}

export interface InstanceStateEvent {
  instanceId: string;
  previous: InstanceStateName;
  current: InstanceStateName;
}

/** A whole network interface attached to (or detached from) an instance: the lab moves its local side then. */
export interface InterfaceAttachmentEvent {
  networkInterfaceId: string;
  instanceId: string;
  deviceIndex: number;
  macAddress: string;
}

export interface WorldEvents {
  attached: [AttachmentEvent];
  detached: [AttachmentEvent];
  "interface-attached": [InterfaceAttachmentEvent];
  "interface-detached": [InterfaceAttachmentEvent];
  "instance-state": [InstanceStateEvent];
}

export class Ec2World {
  readonly region: string;
  readonly accountId: string;
  readonly timing: Timing;
  readonly requestChecks: RequestChecks;
  readonly events = new EventEmitter<WorldEvents>();
  readonly subnets = new Map<string, Subnet>();
  readonly instances = new Map<string, Instance>();
  readonly interfaces = new Map<string, NetworkInterface>();
  readonly addresses = new Map<string, ElasticIp>();
  readonly routeTables = new Map<string, RouteTable>();
  readonly volumes = new Map<string, Volume>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private serial = 0;

  constructor(spec: WorldSpec) {
    this.region = spec.region ?? "us-east-1";
    this.accountId = spec.accountId ?? "123456789012";
    this.timing = { ...defaultTiming, ...spec.timing };
    this.requestChecks = spec.requestChecks ?? "before-permission";
    populate(this, spec);
  }

  subnet(id: string): Subnet {
    return this.subnets.get(id) ?? throwing(subnetNotFound(id));
  }
  instance(id: string): Instance {
    return this.instances.get(id) ?? throwing(instanceNotFound(id));
  }
  eni(id: string): NetworkInterface {
    return this.interfaces.get(id) ?? throwing(interfaceNotFound(id));
  }
  address(allocationId: string): ElasticIp {
    return this.addresses.get(allocationId) ?? throwing(allocationNotFound(allocationId));
  }
  routeTable(id: string): RouteTable {
    return this.routeTables.get(id) ?? throwing(routeTableNotFound(id));
  }
  volume(id: string): Volume {
    return this.volumes.get(id) ?? throwing(volumeNotFound(id));
  }

  /** The interface carrying the address, primary or secondary. */
  holderOf(privateIp: string): NetworkInterface | undefined {
    for (const eni of this.interfaces.values()) if (eni.privateIps.includes(privateIp)) return eni;
    return undefined;
  }

  /** The interface carrying the IPv6 address, if any. */
  holderOfIpv6(address: string): NetworkInterface | undefined {
    for (const eni of this.interfaces.values()) if (eni.ipv6Addresses.includes(address)) return eni;
    return undefined;
  }

  /** The Elastic IP associated with this private address of this interface, if any. */
  addressOn(networkInterfaceId: string, privateIp: string): ElasticIp | undefined {
    for (const eip of this.addresses.values()) {
      if (eip.association?.networkInterfaceId === networkInterfaceId && eip.association.privateIp === privateIp) return eip;
    }
    return undefined;
  }

  interfacesOf(instanceId: string): NetworkInterface[] {
    return [...this.interfaces.values()].filter((e) => e.instanceId === instanceId).sort((a, b) => a.deviceIndex - b.deviceIndex);
  }

  vpcOf(eni: NetworkInterface): string {
    return this.subnet(eni.subnetId).vpcId;
  }

  /** A fresh id in EC2's shape: prefix, dash, 17 hex digits. */
  newId(prefix: string): string {
    this.serial += 1;
    return `${prefix}-${(0x5a0000000000 + this.serial).toString(16).padStart(17, "0")}`;
  }

  /** Runs a delayed transition unless the world is shut down first. */
  later(ms: number, transition: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      transition();
    }, ms);
    this.timers.add(timer);
  }

  setInstanceState(instance: Instance, current: InstanceStateName): void {
    const previous = instance.state;
    if (previous === current) return;
    instance.state = current;
    this.events.emit("instance-state", { instanceId: instance.instanceId, previous, current });
  }

  /** Cancels every transition still in flight; the world stays readable. */
  shutdown(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  snapshot(): WorldSnapshot {
    return {
      region: this.region,
      accountId: this.accountId,
      subnets: [...this.subnets.values()].map((s) => ({ ...s })),
      instances: [...this.instances.values()].map((i) => ({ ...i })),
      interfaces: [...this.interfaces.values()].map((e) => ({
        networkInterfaceId: e.networkInterfaceId,
        subnetId: e.subnetId,
        privateIps: [...e.privateIps],
        sourceDestCheck: e.sourceDestCheck,
        instanceId: e.instanceId,
        deviceIndex: e.deviceIndex,
        macAddress: e.macAddress,
        ipv6Addresses: [...e.ipv6Addresses],
        attachmentState: e.instanceId === undefined ? undefined : (e.attachmentState ?? "attached"),
      })),
      addresses: [...this.addresses.values()].map((a) => ({
        allocationId: a.allocationId,
        publicIp: a.publicIp,
        associationId: a.association?.associationId,
        networkInterfaceId: a.association?.networkInterfaceId,
        privateIp: a.association?.privateIp,
        instanceId: a.association ? this.interfaces.get(a.association.networkInterfaceId)?.instanceId : undefined,
      })),
      routeTables: [...this.routeTables.values()].map((t) => ({
        routeTableId: t.routeTableId,
        vpcId: t.vpcId,
        routes: t.routes.map((r) => ({ ...r, state: routeState(this, r) })),
      })),
      volumes: [...this.volumes.values()].map((v) => ({
        volumeId: v.volumeId,
        availabilityZone: v.availabilityZone,
        state: v.state,
        stuckUntilForce: v.stuckUntilForce,
        attachments: v.attachments.map((a) => ({ instanceId: a.instanceId, device: a.device, state: a.state })),
      })),
    };
  }
}

/** A route to an interface is a blackhole while nothing running sits behind it. */
export function routeState(world: Ec2World, route: Route): "active" | "blackhole" {
  if (route.networkInterfaceId === undefined) return "active";
  const eni = world.interfaces.get(route.networkInterfaceId);
  const instance = eni?.instanceId === undefined ? undefined : world.instances.get(eni.instanceId);
  return instance?.state === "running" ? "active" : "blackhole";
}

function throwing(error: Error): never {
  throw error;
}

function populate(world: Ec2World, spec: WorldSpec): void {
  const problem = (what: string) => new Error(`EC2 stand-in world: ${what}`);
  for (const s of spec.subnets) {
    parseCidr(s.cidr);
    world.subnets.set(s.subnetId, {
      subnetId: s.subnetId,
      vpcId: s.vpcId ?? "vpc-0standin000000001",
      cidr: s.cidr,
      availabilityZone: s.availabilityZone,
      ...(s.ipv6Cidr !== undefined ? { ipv6Cidr: s.ipv6Cidr } : {}),
    });
  }
  const nextIndex = new Map<string, number>();
  for (const [n, e] of spec.interfaces.entries()) {
    const subnet = world.subnets.get(e.subnetId);
    if (!subnet) throw problem(`interface ${e.networkInterfaceId} names unknown subnet ${e.subnetId}`);
    if (e.privateIps.length === 0) throw problem(`interface ${e.networkInterfaceId} has no primary address`);
    for (const ip of e.privateIps) {
      if (!cidrContains(subnet.cidr, ip)) throw problem(`${ip} of ${e.networkInterfaceId} is outside ${subnet.subnetId} (${subnet.cidr})`);
      const holder = world.holderOf(ip);
      if (holder) throw problem(`${ip} is on both ${holder.networkInterfaceId} and ${e.networkInterfaceId}`);
    }
    for (const ip of e.ipv6Addresses ?? []) {
      if (familyOf(ip) !== "ipv6" || subnet.ipv6Cidr === undefined || !blockContains(subnet.ipv6Cidr, ip))
        throw problem(`${ip} of ${e.networkInterfaceId} is outside the IPv6 block of ${subnet.subnetId} (${subnet.ipv6Cidr ?? "none"})`);
      const holder = world.holderOfIpv6(ip);
      if (holder) throw problem(`${ip} is on both ${holder.networkInterfaceId} and ${e.networkInterfaceId}`);
    }
    const index = e.instanceId === undefined ? 0 : (e.deviceIndex ?? nextIndex.get(e.instanceId) ?? 0);
    if (e.instanceId !== undefined) nextIndex.set(e.instanceId, index + 1);
    world.interfaces.set(e.networkInterfaceId, {
      networkInterfaceId: e.networkInterfaceId,
      subnetId: e.subnetId,
      privateIps: [...e.privateIps],
      sourceDestCheck: e.sourceDestCheck ?? true,
      instanceId: e.instanceId,
      deviceIndex: index,
      attachmentId: `eni-attach-${e.networkInterfaceId.replace(/^eni-/, "")}`,
      macAddress: e.macAddress ?? `0e:${(n + 1).toString(16).padStart(2, "0")}:5a:00:00:01`,
      maxPrivateIps: e.maxPrivateIps ?? 15,
      ipv6Addresses: [...(e.ipv6Addresses ?? [])],
    });
  }
  for (const i of spec.instances) {
    const primary = world.interfacesOf(i.instanceId)[0];
    const az = i.availabilityZone ?? (primary ? world.subnet(primary.subnetId).availabilityZone : undefined);
    if (az === undefined) throw problem(`instance ${i.instanceId} has neither an availabilityZone nor an interface`);
    world.instances.set(i.instanceId, { instanceId: i.instanceId, availabilityZone: az, state: i.state ?? "running" });
  }
  for (const e of world.interfaces.values()) {
    if (e.instanceId !== undefined && !world.instances.has(e.instanceId))
      throw problem(`interface ${e.networkInterfaceId} is attached to unknown instance ${e.instanceId}`);
  }
  for (const a of spec.addresses ?? []) {
    let association: ElasticIp["association"];
    if (a.networkInterfaceId !== undefined) {
      const eni = world.interfaces.get(a.networkInterfaceId);
      if (!eni) throw problem(`address ${a.allocationId} names unknown interface ${a.networkInterfaceId}`);
      const privateIp = a.privateIp ?? eni.privateIps[0]!;
      if (!eni.privateIps.includes(privateIp)) throw problem(`address ${a.allocationId}: ${privateIp} is not on ${eni.networkInterfaceId}`);
      association = { associationId: a.associationId ?? world.newId("eipassoc"), networkInterfaceId: eni.networkInterfaceId, privateIp };
    }
    world.addresses.set(a.allocationId, { allocationId: a.allocationId, publicIp: a.publicIp, association });
  }
  for (const t of spec.routeTables ?? []) {
    const vpcId = t.vpcId ?? [...world.subnets.values()][0]?.vpcId ?? "vpc-0standin000000001";
    const local: Route[] = [...new Set([...world.subnets.values()].filter((s) => s.vpcId === vpcId).map((s) => s.cidr))].map((cidr) => ({
      destinationCidrBlock: cidr,
      gatewayId: "local",
      origin: "CreateRouteTable",
    }));
    const routes: Route[] = (t.routes ?? []).map((r) => ({ ...r, origin: "CreateRoute" }));
    world.routeTables.set(t.routeTableId, { routeTableId: t.routeTableId, vpcId, routes: [...local, ...routes] });
  }
  for (const v of spec.volumes ?? []) {
    const attachments: VolumeAttachment[] = (v.attachments ?? []).map((a) => {
      const instance = world.instances.get(a.instanceId);
      if (!instance) throw problem(`volume ${v.volumeId} is attached to unknown instance ${a.instanceId}`);
      if (instance.availabilityZone !== v.availabilityZone)
        throw problem(`volume ${v.volumeId} (${v.availabilityZone}) is attached across AZs to ${a.instanceId}`);
      return { instanceId: a.instanceId, device: a.device, state: "attached", attachTime: new Date(), pendingDetach: false };
    });
    world.volumes.set(v.volumeId, {
      volumeId: v.volumeId,
      availabilityZone: v.availabilityZone,
      size: v.size ?? 8,
      state: attachments.length > 0 ? "in-use" : "available",
      createTime: new Date(),
      attachments,
      stuckUntilForce: v.stuckUntilForce ?? false,
    });
  }
}
