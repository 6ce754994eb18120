import type { CommandResult, Host, Mounted, ServiceRef } from "../../../src/host/host-port";
import { AwsHaError } from "../../../src/errors";

// One node's machine, in memory: addresses per interface, the block devices of attached volumes,
// mounts, services and commands. Every change is recorded in `calls`.

export interface FakeHostOptions {
  /** The block device a volume shows up as here, or undefined while the kernel does not see it. */
  blockDevice?: (volumeId: string) => string | undefined;
  /** Commands by argv[0]: what they print and how they exit. */
  commands?: Record<string, CommandResult>;
  /** Where changes are recorded; share it with the FakeEc2 to see one timeline. */
  calls?: string[];
}

export class FakeHost implements Host {
  /** interface → address → prefix */
  readonly addresses = new Map<string, Map<string, number>>();
  readonly mounts = new Map<string, Mounted>();
  /** Mount points that a process keeps busy. */
  readonly busy = new Set<string>();
  readonly services = new Map<string, boolean>();
  readonly calls: string[];

  constructor(private readonly options: FakeHostOptions = {}) {
    this.calls = options.calls ?? [];
  }

  addressesOn(iface: string): string[] {
    return [...(this.addresses.get(iface)?.keys() ?? [])];
  }

  async hasAddress(iface: string, address: string): Promise<boolean> {
    return this.addresses.get(iface)?.has(address) ?? false;
  }

  async addAddress(iface: string, address: string, prefix: number): Promise<void> {
    this.calls.push(`addAddress ${iface} ${address}/${prefix}`);
    if (!this.addresses.has(iface)) this.addresses.set(iface, new Map());
    this.addresses.get(iface)!.set(address, prefix);
  }

  async removeAddress(iface: string, address: string, prefix: number): Promise<void> {
    this.calls.push(`removeAddress ${iface} ${address}/${prefix}`);
    this.addresses.get(iface)?.delete(address);
  }

  async announceAddress(iface: string, address: string): Promise<void> {
    this.calls.push(`announceAddress ${iface} ${address}`);
  }

  async findBlockDevice(volumeId: string): Promise<string | undefined> {
    return this.options.blockDevice?.(volumeId);
  }

  async mountOf(mountPoint: string): Promise<Mounted | undefined> {
    return this.mounts.get(mountPoint);
  }

  async fsck(device: string, fsType: string): Promise<void> {
    this.calls.push(`fsck ${device} ${fsType}`);
  }

  async mount(device: string, mountPoint: string, fsType: string, options: readonly string[]): Promise<void> {
    this.calls.push(`mount ${device} ${mountPoint} ${fsType}${options.length ? ` ${options.join(",")}` : ""}`);
    this.mounts.set(mountPoint, { device, mountPoint, fsType });
  }

  async unmount(mountPoint: string, killHolders: boolean): Promise<void> {
    this.calls.push(`unmount ${mountPoint}${killHolders ? " kill" : ""}`);
    if (this.busy.has(mountPoint) && !killHolders)
      throw new AwsHaError("host", `${mountPoint} is busy: held by PIDs 4242`, {
        fix: "stop the processes that use it, or set killHolders: true",
      });
    this.busy.delete(mountPoint);
    this.mounts.delete(mountPoint);
  }

  async serviceActive(service: ServiceRef): Promise<boolean> {
    return this.services.get(nameOf(service)) ?? false;
  }

  async startService(service: ServiceRef): Promise<void> {
    this.calls.push(`startService ${nameOf(service)}`);
    this.services.set(nameOf(service), true);
  }

  async stopService(service: ServiceRef): Promise<void> {
    this.calls.push(`stopService ${nameOf(service)}`);
    this.services.set(nameOf(service), false);
  }

  async run(argv: readonly string[], timeoutMs: number): Promise<CommandResult> {
    this.calls.push(`run ${argv.join(" ")} (${Math.round(timeoutMs / 1000)} s)`);
    return this.options.commands?.[argv[0]!] ?? { exitCode: 0, stdout: "", stderr: "" };
  }
}

const nameOf = (service: ServiceRef) => ("unit" in service ? service.unit : service.initScript);
