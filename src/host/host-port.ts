// The port to the local machine: addresses, block devices, mounts, services and commands.
// The real adapter runs ip/mount/fsck/systemctl; tests hand in their own.

export interface Mounted {
  /** The mount's source; a device path with its links resolved, so it compares with findBlockDevice's answer. */
  device: string;
  mountPoint: string;
  fsType: string;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A network interface of this machine, as `ip -j link` shows it. */
export interface Link {
  name: string;
  /** Lower case, colon-separated. */
  mac: string;
  /** Administratively up (the UP flag), whether or not it has a carrier. */
  up: boolean;
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

  /** Every network interface here, with its MAC address. */
  links(): Promise<Link[]>;
  /** `ip link set dev NAME up|down`. */
  setLinkUp(name: string, up: boolean): Promise<void>;

  /**
   * The block device of an attached EBS volume: the NVMe serial (the volume id without its dash)
   * via the by-id link or /sys/block, else the Xen name for `device`. undefined while not visible.
   */
  findBlockDevice(volumeId: string, device: string, byIdDir: string): Promise<string | undefined>;
  /** The top mount on exactly this path (links not followed), whatever its source. */
  mountOf(mountPoint: string): Promise<Mounted | undefined>;
  /** Every place this block device is mounted now. */
  mountPointsOf(device: string): Promise<string[]>;
  /**
   * Fails (kind "host", with the chown/chmod that fixes it) when a user other than root could
   * redirect the mount point: a link on the way, or a directory on the way (the mount point itself
   * too, unless something is mounted on it) that is not root's or that group or others may write.
   * mount and unmount check it themselves; callers check first to fail before changing anything.
   */
  checkMountPoint(mountPoint: string): Promise<void>;
  fsck(device: string, fsType: string): Promise<void>;
  /** Refuses another device already mounted there, and an unsafe mount point; creates missing directories as root's. */
  mount(device: string, mountPoint: string, fsType: string, options: readonly string[]): Promise<void>;
  /**
   * Unmounts `device` from mountPoint. Not mounted is done; another file system mounted there is
   * refused and left as it is. Busy: fails, unless killHolders, which kills the processes using the
   * mount first.
   */
  unmount(mountPoint: string, device: string, killHolders: boolean): Promise<void>;

  serviceActive(service: ServiceRef): Promise<boolean>;
  startService(service: ServiceRef): Promise<void>;
  stopService(service: ServiceRef): Promise<void>;

  /** Runs argv without a shell; never longer than timeoutMs. */
  run(argv: readonly string[], timeoutMs: number): Promise<CommandResult>;
}
