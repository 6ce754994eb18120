import type { CommandResult, Host, Link, Mounted, ServiceRef } from "./host-port";
import * as addresses from "./addresses";
import { findBlockDevice, systemRoots, type DeviceRoots } from "./block-device";
import { fsck } from "./fsck";
import * as networkLinks from "./links";
import { fileSystemView } from "./mount-point-safety";
import { mountOf, mountPointsOf, selfMountInfo } from "./mount-table";
import { mount, safeMountPoint, unmount, type MountPaths } from "./mounts";
import { commandEnvironment, runCommand, type Exec } from "./run-command";
import * as services from "./services";

// The Host port on a real Linux machine: iproute2, mount/umount/fsck, systemd or init scripts.

export interface LinuxHostOptions {
  /** The network namespace whose interfaces carry the addresses (`ip -n NS`); this process's own by default. */
  netns?: string;
  /** The environment commands inherit; the process's own by default. */
  env?: NodeJS.ProcessEnv;
  /** Where sysfs lists block devices and where their nodes are. */
  deviceRoots?: DeviceRoots;
}

export class LinuxHost implements Host {
  /** For the commands whose messages we read: always in English. */
  private readonly exec: Exec;
  /** For the operator's commands (hooks): their own locale. */
  private readonly execAsIs: Exec;
  private readonly scope: addresses.AddressScope;
  private readonly deviceRoots: DeviceRoots;
  private readonly mountPaths: MountPaths = { mountInfo: selfMountInfo, proc: "/proc", view: fileSystemView(), ownerUid: 0 };

  constructor(options: LinuxHostOptions = {}) {
    const env = options.env ?? process.env;
    const ownEnv = commandEnvironment(env, { LC_ALL: "C" });
    const operatorEnv = commandEnvironment(env);
    this.exec = (argv, timeoutMs) => runCommand(argv, { timeoutMs, env: ownEnv });
    this.execAsIs = (argv, timeoutMs) => runCommand(argv, { timeoutMs, env: operatorEnv });
    this.scope = { exec: this.exec, netns: options.netns };
    this.deviceRoots = options.deviceRoots ?? systemRoots;
  }

  hasAddress(iface: string, address: string): Promise<boolean> {
    return addresses.hasAddress(this.scope, iface, address);
  }

  addAddress(iface: string, address: string, prefix: number): Promise<void> {
    return addresses.addAddress(this.scope, iface, address, prefix);
  }

  /** Whatever prefix the address carries here (keepalived may have added it as /32). */
  removeAddress(iface: string, address: string): Promise<void> {
    return addresses.removeAddress(this.scope, iface, address);
  }

  announceAddress(iface: string, address: string): Promise<void> {
    return addresses.announceAddress(this.scope, iface, address);
  }

  links(): Promise<Link[]> {
    return networkLinks.links(this.scope);
  }

  setLinkUp(name: string, up: boolean): Promise<void> {
    return networkLinks.setLinkUp(this.scope, name, up);
  }

  findBlockDevice(volumeId: string, device: string, byIdDir: string): Promise<string | undefined> {
    return findBlockDevice(volumeId, device, byIdDir, this.deviceRoots);
  }

  mountOf(mountPoint: string): Promise<Mounted | undefined> {
    return mountOf(mountPoint, this.mountPaths.mountInfo);
  }

  mountPointsOf(device: string): Promise<string[]> {
    return mountPointsOf(device, this.mountPaths.mountInfo);
  }

  async checkMountPoint(mountPoint: string): Promise<void> {
    await safeMountPoint(mountPoint, this.mountPaths);
  }

  fsck(device: string, fsType: string): Promise<void> {
    return fsck(this.exec, device, fsType);
  }

  mount(device: string, mountPoint: string, fsType: string, options: readonly string[]): Promise<void> {
    return mount(this.exec, device, mountPoint, fsType, options, this.mountPaths);
  }

  unmount(mountPoint: string, device: string, killHolders: boolean): Promise<void> {
    return unmount(this.exec, mountPoint, device, killHolders, this.mountPaths);
  }

  serviceActive(service: ServiceRef): Promise<boolean> {
    return services.serviceActive(this.exec, service);
  }

  startService(service: ServiceRef): Promise<void> {
    return services.startService(this.exec, service);
  }

  stopService(service: ServiceRef): Promise<void> {
    return services.stopService(this.exec, service);
  }

  run(argv: readonly string[], timeoutMs: number): Promise<CommandResult> {
    return this.execAsIs(argv, timeoutMs);
  }
}
