// The port to the local machine: addresses, block devices, mounts, services and commands.
// The real adapter runs ip/mount/fsck/systemctl; tests hand in their own.

export interface Mounted {
  device: string;
  mountPoint: string;
  fsType: string;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type ServiceRef = { unit: string } | { initScript: string };

export interface Host {
  hasAddress(iface: string, address: string): Promise<boolean>;
  /** `ip addr add ADDRESS/PREFIX dev IFACE`; present already counts as done. */
  addAddress(iface: string, address: string, prefix: number): Promise<void>;
  /** Absent already counts as done. */
  removeAddress(iface: string, address: string, prefix: number): Promise<void>;
  /** Gratuitous ARP so neighbours learn the new owner (best effort). */
  announceAddress(iface: string, address: string): Promise<void>;

  /**
   * The block device of an attached EBS volume: the NVMe serial (the volume id without its dash)
   * via the by-id link or /sys/block, else the Xen name for `device`. undefined while not visible.
   */
  findBlockDevice(volumeId: string, device: string, byIdDir: string): Promise<string | undefined>;
  mountOf(mountPoint: string): Promise<Mounted | undefined>;
  fsck(device: string, fsType: string): Promise<void>;
  mount(device: string, mountPoint: string, fsType: string, options: readonly string[]): Promise<void>;
  /** Busy: fails, unless killHolders, which kills the processes using the mount first. */
  unmount(mountPoint: string, killHolders: boolean): Promise<void>;

  serviceActive(service: ServiceRef): Promise<boolean>;
  startService(service: ServiceRef): Promise<void>;
  stopService(service: ServiceRef): Promise<void>;

  /** Runs argv without a shell; never longer than timeoutMs. */
  run(argv: readonly string[], timeoutMs: number): Promise<CommandResult>;
}
