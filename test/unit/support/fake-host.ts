import type { CommandResult, Host, Link, Mounted, ServiceRef } from "../../../src/host/host-port";
import { AwsHaError } from "../../../src/errors";
import { checkMountPoint, normalisedMountPoint, type PathView } from "../../../src/host/mount-point-safety";

// One node's machine, in memory: addresses per interface, the block devices of attached volumes,
// mounts, the directories on the way to mount points, services and commands. Every change is
// recorded in `calls`. Mount points are held to the real rules (src/host/mount-point-safety.ts),
// looked at through `paths`.

export interface FakeHostOptions {
  /** The block device a volume shows up as here, or undefined while the kernel does not see it. */
  blockDevice?: (volumeId: string) => string | undefined;
  /**
   * The hot-plugged ENIs the kernel shows here now, by name and MAC: each appears once EC2 reports
   * its attachment to this instance `attached`, and is gone once it is detached.
   */
  attachedLinks?: () => { name: string; mac: string }[];
  /** Commands by argv[0]: what they print and how they exit. */
  commands?: Record<string, CommandResult>;
  /** Where changes are recorded; share it with the FakeEc2 to see one timeline. */
  calls?: string[];
}

/** A directory or link on the way to a mount point, as lstat sees it. */
export type FakePath = { kind: "directory"; uid: number; mode: number } | { kind: "symlink"; target: string };

export class FakeHost implements Host {
  /** interface → address → prefix */
  readonly addresses = new Map<string, Map<string, number>>();
  readonly mounts = new Map<string, Mounted>();
  /** Paths that differ from a node's usual tree, where every directory is root's with mode 0755. */
  readonly paths = new Map<string, FakePath>();
  /** Mount points that a process keeps busy. */
  readonly busy = new Set<string>();
  readonly services = new Map<string, boolean>();
  /** Links that are here whatever EC2 says (eth0, or a name in the way), by name. */
  readonly fixedLinks = new Map<string, { mac: string }>();
  /** Names of the links that are up. */
  readonly linksUp = new Set<string>();
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

  /** The fixed links and the attached ENIs'; a link that went away comes back down, as a new device does. */
  async links(): Promise<Link[]> {
    const found = [...[...this.fixedLinks].map(([name, { mac }]) => ({ name, mac })), ...(this.options.attachedLinks?.() ?? [])];
    for (const name of this.linksUp) if (!found.some((l) => l.name === name)) this.linksUp.delete(name);
    return found.map((l) => ({ ...l, up: this.linksUp.has(l.name) }));
  }

  async setLinkUp(name: string, up: boolean): Promise<void> {
    this.calls.push(`setLink ${name} ${up ? "up" : "down"}`);
    if (!(await this.links()).some((l) => l.name === name))
      throw new AwsHaError("host", `ip link set dev ${name} ${up ? "up" : "down"} failed (exit 1): Cannot find device "${name}"`);
    if (up) this.linksUp.add(name);
    else this.linksUp.delete(name);
  }

  async findBlockDevice(volumeId: string): Promise<string | undefined> {
    return this.options.blockDevice?.(volumeId);
  }

  async mountOf(mountPoint: string): Promise<Mounted | undefined> {
    return this.mounts.get(mountPoint);
  }

  async mountPointsOf(device: string): Promise<string[]> {
    return [...this.mounts.values()].filter((m) => m.device === device).map((m) => m.mountPoint);
  }

  async checkMountPoint(mountPoint: string): Promise<void> {
    await this.safeMountPoint(mountPoint);
  }

  async fsck(device: string, fsType: string): Promise<void> {
    this.calls.push(`fsck ${device} ${fsType}`);
  }

  async mount(device: string, mountPoint: string, fsType: string, options: readonly string[]): Promise<void> {
    const current = this.mounts.get(mountPoint);
    if (current?.device === device) return;
    if (current) throw new AwsHaError("host", `${mountPoint} already has ${current.device} mounted; refusing to mount ${device} over it`);
    await this.safeMountPoint(mountPoint);
    this.calls.push(`mount ${device} ${mountPoint} ${fsType}${options.length ? ` ${options.join(",")}` : ""}`);
    this.mounts.set(mountPoint, { device, mountPoint, fsType });
  }

  async unmount(mountPoint: string, device: string, killHolders: boolean): Promise<void> {
    const current = this.mounts.get(mountPoint);
    if (!current) return;
    if (current.device !== device)
      throw new AwsHaError("host", `${mountPoint} has ${current.device} mounted, not ${device}; left it alone`);
    await this.safeMountPoint(mountPoint);
    this.calls.push(`unmount ${mountPoint}${killHolders ? " kill" : ""}`);
    if (this.busy.has(mountPoint) && !killHolders)
      throw new AwsHaError("host", `${mountPoint} is busy: held by PIDs 4242`, {
        fix: "stop the processes that use it, or set killHolders: true",
      });
    this.busy.delete(mountPoint);
    this.mounts.delete(mountPoint);
  }

  private safeMountPoint(mountPoint: string): Promise<string> {
    return checkMountPoint(mountPoint, {
      view: pathViewOf(this.paths),
      ownerUid: 0,
      mounted: this.mounts.has(normalisedMountPoint(mountPoint)),
    });
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

/** lstat and realpath over `paths`; anything not listed there is a directory of root's, mode 0755. */
function pathViewOf(paths: ReadonlyMap<string, FakePath>): PathView {
  return {
    async entry(path) {
      const listed = paths.get(path);
      if (listed?.kind === "symlink") return { kind: "symlink", uid: 0, mode: 0o777 };
      return listed ?? { kind: "directory", uid: 0, mode: 0o755 };
    },
    async resolved(path) {
      // The first link on the way takes the rest of the path with it (one level is all tests need).
      const names = normalisedMountPoint(path).split("/").filter(Boolean);
      for (let i = 1; i <= names.length; i++) {
        const listed = paths.get(`/${names.slice(0, i).join("/")}`);
        if (listed?.kind === "symlink") return normalisedMountPoint([listed.target, ...names.slice(i)].join("/"));
      }
      return normalisedMountPoint(path);
    },
  };
}

const nameOf = (service: ServiceRef) => ("unit" in service ? service.unit : service.initScript);
