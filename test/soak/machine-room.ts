import type { CommandResult, Host, Link, Mounted, ServiceRef } from "../../src/host/host-port";
import { AwsHaError } from "../../src/errors";
import type { Ec2World } from "../support/ec2-standin/world";
import type { SoakNode } from "./cluster";
import type { NodeLetter } from "./schedule";

// The machines of a simulated cluster, side by side in one room so that what no single machine can
// see is checkable: a volume mounted on two nodes at once. Each node's machine is a Host: its own
// interface addresses, mount table, services and commands. A volume's block device shows up on a
// node exactly while the EC2 stand-in has the volume attached to that node's instance (as udev
// creates the NVMe link after EC2 reports `attached`, and removes it when the attachment is gone).

export interface Violation {
  invariant: string;
  detail: string;
  /** ms since the case started. */
  atMs: number;
}

export type Report = (invariant: string, detail: string) => void;

/** The device node a volume gets on whichever machine it is attached to. */
const deviceOf = (volumeId: string): string => `/dev/nvme-${volumeId.replace("-", "")}`;
const volumeOf = (device: string): string | undefined => {
  const serial = /^\/dev\/nvme-vol([0-9a-f]+)$/.exec(device)?.[1];
  return serial === undefined ? undefined : `vol-${serial}`;
};

interface MountEntry extends Mounted {
  volumeId: string | undefined;
}

interface RunningCommand {
  owner: number;
  argv: readonly string[];
}

export class MachineRoom {
  private readonly machines = new Map<NodeLetter, NodeMachine>();

  constructor(
    readonly world: Ec2World,
    readonly report: Report,
    readonly options: { hookMs: number; volumeId: string | undefined },
  ) {
    // EC2 finishing a detach under a mount pulls the disk from under the file system.
    world.events.on("detached", ({ volumeId, instanceId }) => {
      const node = this.byInstance(instanceId);
      if (node && node.mountedVolumes().includes(volumeId))
        this.report("volume detached under a mount", `${volumeId} was detached from ${node.node.name} while still mounted there`);
    });
    world.events.on("attached", ({ volumeId }) => {
      const holders = this.world.volumes.get(volumeId)?.attachments.filter((a) => a.state !== "detached") ?? [];
      if (new Set(holders.map((a) => a.instanceId)).size > 1)
        this.report("volume attached to two instances", `${volumeId}: ${holders.map((a) => `${a.instanceId} (${a.state})`).join(", ")}`);
    });
  }

  add(node: SoakNode): NodeMachine {
    const machine = new NodeMachine(node, this);
    this.machines.set(node.letter, machine);
    return machine;
  }

  machine(letter: NodeLetter): NodeMachine {
    return this.machines.get(letter)!;
  }

  all(): NodeMachine[] {
    return [...this.machines.values()];
  }

  byInstance(instanceId: string): NodeMachine | undefined {
    return this.all().find((m) => m.node.instanceId === instanceId);
  }

  /** The machines that have the volume mounted now. */
  mountersOf(volumeId: string): NodeMachine[] {
    return this.all().filter((m) => m.mountedVolumes().includes(volumeId));
  }

  /** Whether EC2 shows the volume's device to this instance now (not while still attaching). */
  deviceVisible(volumeId: string, instanceId: string): boolean {
    const attachment = this.world.volumes.get(volumeId)?.attachments.find((a) => a.instanceId === instanceId);
    return attachment !== undefined && attachment.state !== "attaching" && attachment.state !== "detached";
  }

  /**
   * While a node's file system uses the disk, EC2 cannot finish a plain detach from it (the stand-in
   * turns it `busy`): the same flag the stand-in offers for a hung peer, kept in step with the mounts.
   */
  syncVolumeUse(volumeId: string): void {
    const volume = this.world.volumes.get(volumeId);
    if (volume) volume.stuckUntilForce = this.mountersOf(volumeId).length > 0;
  }
}

export class NodeMachine {
  /** interface → address → prefix */
  readonly addresses = new Map<string, Map<string, number>>();
  readonly mounts = new Map<string, MountEntry>();
  readonly services = new Map<string, boolean>();
  private readonly running = new Set<RunningCommand>();

  constructor(
    readonly node: SoakNode,
    private readonly room: MachineRoom,
  ) {}

  hasLocalAddress(address: string): boolean {
    return [...this.addresses.values()].some((m) => m.has(address));
  }

  mountedVolumes(): string[] {
    return [...this.mounts.values()].flatMap((m) => (m.volumeId ? [m.volumeId] : []));
  }

  activeServices(): string[] {
    return [...this.services.entries()].filter(([, on]) => on).map(([name]) => name);
  }

  runningCommands(): string[] {
    return [...this.running].map((c) => c.argv.join(" "));
  }

  /** What the node looks like when it held everything before the schedule began. */
  holdEverything(shape: { volume: boolean; service: boolean; localAddresses: string[] }, mountPoint: string, unit: string): void {
    for (const address of shape.localAddresses) this.localAddresses().set(address, 32);
    if (shape.volume && this.room.options.volumeId) {
      const volumeId = this.room.options.volumeId;
      this.mounts.set(mountPoint, { device: deviceOf(volumeId), mountPoint, fsType: "ext4", volumeId });
      this.room.syncVolumeUse(volumeId);
    }
    if (shape.service) this.services.set(unit, true);
  }

  /** The Host port for one transition: commands are tagged with it, so overlaps can be told apart. */
  hostFor(owner: number): Host {
    return new NodeHost(this, this.room, owner);
  }

  /** A command of transition `owner` starts; tells about commands of other transitions still running. */
  beginCommand(owner: number, argv: readonly string[]): { others: string[]; end: () => void } {
    const others = [...this.running].filter((c) => c.owner !== owner).map((c) => c.argv.join(" "));
    const command: RunningCommand = { owner, argv };
    this.running.add(command);
    return { others, end: () => this.running.delete(command) };
  }

  private localAddresses(): Map<string, number> {
    if (!this.addresses.has(this.node.interface)) this.addresses.set(this.node.interface, new Map());
    return this.addresses.get(this.node.interface)!;
  }
}

const nameOf = (service: ServiceRef): string => ("unit" in service ? service.unit : service.initScript);

/** One transition's view of its node's machine. */
class NodeHost implements Host {
  constructor(
    private readonly machine: NodeMachine,
    private readonly room: MachineRoom,
    private readonly owner: number,
  ) {}

  async hasAddress(iface: string, address: string): Promise<boolean> {
    return this.machine.addresses.get(iface)?.has(address) ?? false;
  }

  async addAddress(iface: string, address: string, prefix: number): Promise<void> {
    if (!this.machine.addresses.has(iface)) this.machine.addresses.set(iface, new Map());
    this.machine.addresses.get(iface)!.set(address, prefix);
  }

  async removeAddress(iface: string, address: string): Promise<void> {
    this.machine.addresses.get(iface)?.delete(address);
  }

  async announceAddress(): Promise<void> {}

  // The soak's clusters have no whole ENIs: the node's own interface is all there is.
  async links(): Promise<Link[]> {
    return [];
  }

  async setLinkUp(name: string): Promise<void> {
    throw new Error(`the soak machine has no interface ${name}`);
  }

  async findBlockDevice(volumeId: string): Promise<string | undefined> {
    return this.room.deviceVisible(volumeId, this.machine.node.instanceId) ? deviceOf(volumeId) : undefined;
  }

  async mountOf(mountPoint: string): Promise<Mounted | undefined> {
    const m = this.machine.mounts.get(mountPoint);
    return m ? { device: m.device, mountPoint: m.mountPoint, fsType: m.fsType } : undefined;
  }

  async mountPointsOf(device: string): Promise<string[]> {
    return [...this.machine.mounts.values()].filter((m) => m.device === device).map((m) => m.mountPoint);
  }

  async checkMountPoint(): Promise<void> {}

  async fsck(): Promise<void> {}

  async mount(device: string, mountPoint: string, fsType: string): Promise<void> {
    const { machine, room } = this;
    const current = machine.mounts.get(mountPoint);
    if (current) {
      if (current.device === device) return;
      throw new AwsHaError("host", `${mountPoint} already has ${current.device} mounted; refusing to mount ${device} over it`);
    }
    const volumeId = volumeOf(device);
    if (volumeId && !room.deviceVisible(volumeId, machine.node.instanceId))
      throw new AwsHaError("host", `mount: ${device}: special device does not exist`);
    machine.mounts.set(mountPoint, { device, mountPoint, fsType, volumeId });
    if (volumeId) {
      const others = room.mountersOf(volumeId).filter((m) => m !== machine);
      if (others.length > 0)
        room.report(
          "volume mounted on two nodes",
          `${machine.node.name} mounted ${volumeId} while ${others.map((m) => m.node.name).join(", ")} had it mounted`,
        );
      room.syncVolumeUse(volumeId);
    }
  }

  async unmount(mountPoint: string, device: string, killHolders: boolean): Promise<void> {
    const { machine, room } = this;
    const current = machine.mounts.get(mountPoint);
    if (!current) return;
    if (current.device !== device)
      throw new AwsHaError("host", `${mountPoint} has ${current.device} mounted, not ${device}; left as it is`);
    // The service's processes use the file system.
    const users = machine.activeServices();
    if (users.length > 0) {
      if (!killHolders) throw new AwsHaError("host", `${mountPoint} is busy: held by ${users.join(", ")}`);
      for (const unit of users) machine.services.set(unit, false);
    }
    machine.mounts.delete(mountPoint);
    if (current.volumeId) room.syncVolumeUse(current.volumeId);
  }

  async serviceActive(service: ServiceRef): Promise<boolean> {
    return this.machine.services.get(nameOf(service)) ?? false;
  }

  async startService(service: ServiceRef): Promise<void> {
    const volumeId = this.room.options.volumeId;
    if (volumeId && !this.machine.mountedVolumes().includes(volumeId))
      this.room.report(
        "service without its volume",
        `${this.machine.node.name} started ${nameOf(service)} while ${volumeId} was not mounted there`,
      );
    this.machine.services.set(nameOf(service), true);
  }

  async stopService(service: ServiceRef): Promise<void> {
    this.machine.services.set(nameOf(service), false);
  }

  run(argv: readonly string[], timeoutMs: number): Promise<CommandResult> {
    const { others, end } = this.machine.beginCommand(this.owner, argv);
    if (others.length > 0)
      this.room.report(
        "commands of two transitions at once",
        `${this.machine.node.name} started \`${argv.join(" ")}\` while \`${others[0]}\` of an earlier transition still ran`,
      );
    const ms = this.room.options.hookMs;
    return new Promise((resolve, reject) => {
      const finish = () => {
        end();
        if (ms > timeoutMs) reject(new AwsHaError("timeout", `${argv.join(" ")} did not finish within ${timeoutMs} ms and was killed`));
        else resolve({ exitCode: 0, stdout: "", stderr: "" });
      };
      if (ms === 0) setImmediate(finish);
      else setTimeout(finish, Math.min(ms, timeoutMs));
    });
  }
}
