// What the lab needs to know about and do to the EC2 world, in the lab's own words. The adapter in
// ec2-standin.ts maps the stand-in's control API onto it, so scenarios never depend on its wire format.

export interface WorldState {
  instances: { instanceId: string; state: string }[];
  volumes: { volumeId: string; state: string; attachments: { instanceId: string; state: string }[] }[];
  addresses: { allocationId: string; publicIp?: string; networkInterfaceId?: string; privateIp?: string; instanceId?: string }[];
  interfaces: {
    networkInterfaceId: string;
    instanceId?: string;
    privateIps: string[];
    ipv6Addresses: string[];
    macAddress: string;
    /** While attached: `attaching`, `attached` or `detaching`. */
    attachmentState?: string;
  }[];
}

export interface ApiCall {
  /** Lab clock, epoch ms. */
  at: number;
  action: string;
  /** The error code the stand-in answered with, if any (injected or modelled). */
  error?: string;
  /** Instance ids the call names (StopInstances, AttachVolume, …), when the log has them. */
  instanceIds: string[];
}

export type Fault = { kind: "throttle" | "server-error"; action?: string; count: number };

export interface CloudControl {
  state(): Promise<WorldState>;
  calls(): Promise<ApiCall[]>;
  /** An instance that the lab boots again after a stop (EC2 StartInstances). */
  startInstance(instanceId: string): Promise<void>;
  /** Answers the next `count` matching requests with the fault instead of serving them. */
  inject(fault: Fault): Promise<void>;
  clearFaults(): Promise<void>;
}

export const holderOfVolume = (world: WorldState, volumeId: string): string[] =>
  world.volumes.find((v) => v.volumeId === volumeId)?.attachments.map((a) => a.instanceId) ?? [];

export const instanceState = (world: WorldState, instanceId: string): string | undefined =>
  world.instances.find((i) => i.instanceId === instanceId)?.state;

export const eipAssociation = (world: WorldState, allocationId: string) => world.addresses.find((a) => a.allocationId === allocationId);

export const interfaceIps = (world: WorldState, networkInterfaceId: string): string[] =>
  world.interfaces.find((i) => i.networkInterfaceId === networkInterfaceId)?.privateIps ?? [];
