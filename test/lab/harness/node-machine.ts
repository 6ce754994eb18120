import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { run, runOk, type CommandOptions, type CommandOutcome } from "./commands";
import { Daemon, isLiveNotZombie, waitGone } from "./daemon";
import type { Teardown } from "./teardown";
import { waitFor } from "./wait";

// One lab node as an "instance": its network namespace, plus a private mount and UTS namespace held
// open by an anchor process. Inside, /run is the node's own directory (aws-ha's lock, keepalived's
// pid files, the installed CLIs, the rendered configs), the host name is the node name (Heartbeat
// uses `uname -n`), /srv is a tmpfs for the volumes' mount points, and /etc/ha.d and
// /var/lib/heartbeat are the node's own copies. Power off kills every process in the node's mount
// namespace, which also releases its mounts, as a stopped instance would.
//
// The node also gets a private /dev (a tmpfs with the usual character devices and the lab's loop
// devices): its by-id directory lives there like udev's, and its /dev/log is the lab's syslog
// receiver for this node, because keepalived and Heartbeat give scripts no stdout or stderr and
// aws-ha-notify logs to syslog.

export interface NodeMachineSpec {
  name: string;
  netns: string;
  /** Host directory of this node; survives power cycles like an instance's disk. */
  dir: string;
  /** Where the volumes are mounted inside the node (created at boot). */
  mountPoints: readonly string[];
  /** Interfaces whose addresses other than `keep` vanish at power off (VIPs keepalived left). */
  interfaces: readonly { name: string; keep: string }[];
  /** The description's paths.byIdDir; the node's own by-id links are bind-mounted there. */
  byIdDir: string;
  /** Host paths of the block devices the node may be given (the lab's loop devices). */
  blockDevices: readonly string[];
  /** Host path of the Unix socket that receives this node's syslog. */
  syslogSocket: string;
}

const characterDevices = [
  ["null", 1, 3],
  ["zero", 1, 5],
  ["full", 1, 7],
  ["random", 1, 8],
  ["urandom", 1, 9],
  ["tty", 5, 0],
] as const;

export class NodeMachine {
  private anchor: Daemon | undefined;
  /** The node's mount namespace, read once it booted: its processes are found by it even after the anchor died. */
  private mountNs: string | undefined;
  private undoAnchor: (() => void) | undefined;

  constructor(
    readonly spec: NodeMachineSpec,
    private readonly teardown: Teardown,
  ) {
    for (const sub of ["run", "by-id", "ha.d", "heartbeat-lib", "logs"]) mkdirSync(join(spec.dir, sub), { recursive: true, mode: 0o755 });
  }

  get name(): string {
    return this.spec.name;
  }

  /** The host path of the node's /run. */
  get runDir(): string {
    return join(this.spec.dir, "run");
  }

  /** Host path of the node's by-id directory. */
  get byIdHostDir(): string {
    return join(this.spec.dir, "by-id");
  }

  get logDir(): string {
    return join(this.spec.dir, "logs");
  }

  /** Host path of a path under the node's /run. */
  hostPathOf(nodePath: string): string {
    if (!nodePath.startsWith("/run/")) throw new Error(`${nodePath} is not under the node's /run`);
    return join(this.runDir, nodePath.slice("/run/".length));
  }

  get anchorPid(): number {
    if (!this.anchor?.running) throw new Error(`node ${this.name} is powered off`);
    return this.anchor.pid;
  }

  get poweredOn(): boolean {
    return this.anchor?.running ?? false;
  }

  async powerOn(): Promise<void> {
    if (this.poweredOn) return;
    const ready = join(this.runDir, ".booted");
    rmSync(ready, { force: true });
    const mounts = [
      `hostname ${this.name}`,
      `mount --bind ${this.runDir} /run`,
      `mount --bind ${join(this.spec.dir, "ha.d")} /etc/ha.d`,
      `mount --bind ${join(this.spec.dir, "heartbeat-lib")} /var/lib/heartbeat`,
      `mount -t tmpfs -o mode=0755,size=1m lab-srv /srv`,
      ...privateDev(this.spec.blockDevices),
      `mkdir -p ${this.spec.byIdDir}`,
      `mount --bind ${this.byIdHostDir} ${this.spec.byIdDir}`,
      `touch /dev/log`,
      `mount --bind ${this.spec.syslogSocket} /dev/log`,
      ...this.spec.mountPoints.map((m) => `mkdir -p ${m}`),
      `touch /run/.booted`,
      // The anchor only holds the namespaces open; it has nothing else to do.
      `exec sleep infinity`,
    ].join(" && ");
    this.anchor = Daemon.start({
      name: `${this.name} anchor`,
      argv: ["ip", "netns", "exec", this.spec.netns, "unshare", "--mount", "--uts", "--propagation", "private", "sh", "-ec", mounts],
      logFile: join(this.logDir, "anchor.log"),
    });
    this.undoAnchor = this.teardown.add(`node ${this.name} processes`, () => this.killAllSync());
    await waitFor(() => (existsSync(ready) || !this.anchor?.running ? true : undefined), {
      what: `node ${this.name} to boot`,
      timeoutMs: 10_000,
    });
    if (!this.anchor.running) throw new Error(`node ${this.name} failed to boot: ${this.anchor.log()}`);
    this.mountNs = mountNamespaceOf(this.anchor.pid);
  }

  /** Like a stopped instance: every process of the node dies, its mounts go, its extra addresses vanish. */
  async powerOff(): Promise<void> {
    if (!this.anchor) return;
    // Again until none is left: a daemon may fork (Heartbeat's mach_down, say) while it is killed.
    for (let round = 0; round < maxKillRounds; round++) {
      const pids = this.processes();
      if (pids.length === 0) break;
      for (const pid of pids) killQuietly(pid, "SIGKILL");
      await waitGone(pids, 10_000);
    }
    this.anchor = undefined;
    this.mountNs = undefined;
    this.undoAnchor?.();
    this.undoAnchor = undefined;
    for (const { name, keep } of this.spec.interfaces) {
      const json = await runOk(["ip", "-n", this.spec.netns, "-j", "-4", "addr", "show", "dev", name]);
      const parsed = JSON.parse(json || "[]") as { addr_info?: { local: string; prefixlen: number }[] }[];
      for (const a of parsed.flatMap((l) => l.addr_info ?? []))
        if (a.local !== keep) await run(["ip", "-n", this.spec.netns, "addr", "del", `${a.local}/${a.prefixlen}`, "dev", name]);
    }
    // A rebooted instance starts with an empty /run, except what the lab installed there.
    for (const entry of readdirSync(this.runDir))
      if (entry !== "aws-ha-lab" && entry !== "heartbeat") rmSync(join(this.runDir, entry), { recursive: true, force: true });
  }

  /** argv prefix that runs a command inside the node (network, mount and UTS namespaces). */
  enter(): string[] {
    return ["nsenter", "-t", String(this.anchorPid), "-m", "-u", "-n", "--"];
  }

  exec(argv: readonly string[], options?: CommandOptions): Promise<CommandOutcome> {
    return run([...this.enter(), ...argv], options);
  }

  execOk(argv: readonly string[], options?: CommandOptions): Promise<string> {
    return runOk([...this.enter(), ...argv], options);
  }

  startDaemon(name: string, argv: readonly string[], env: NodeJS.ProcessEnv): Daemon {
    const daemon = Daemon.start({
      name: `${this.name} ${name}`,
      argv: [...this.enter(), ...argv],
      logFile: join(this.logDir, `${name}.log`),
      env,
    });
    return daemon;
  }

  /** What is mounted where, as a process inside the node sees it. */
  mounts(): { device: string; mountPoint: string; fsType: string }[] {
    if (!this.poweredOn) return [];
    let text: string;
    try {
      text = readFileSync(`/proc/${this.anchorPid}/mounts`, "utf8");
    } catch {
      return [];
    }
    return text
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [device, mountPoint, fsType] = line.split(" ");
        return { device: device!, mountPoint: mountPoint!, fsType: fsType! };
      });
  }

  mountAt(mountPoint: string): { device: string; fsType: string } | undefined {
    return this.mounts().find((m) => m.mountPoint === mountPoint);
  }

  /** PIDs whose mount namespace is this node's (the anchor and everything started in it). */
  processes(): number[] {
    const ns = this.mountNs;
    if (ns === undefined) return [];
    const pids: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      if (pid !== process.pid && mountNamespaceOf(pid) === ns && isLiveNotZombie(pid)) pids.push(pid);
    }
    return pids;
  }

  private killAllSync(): void {
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const killed: number[] = [];
    // Again until none is left: a daemon may fork (Heartbeat's mach_down, say) while it is killed.
    for (let round = 0; round < maxKillRounds; round++) {
      const pids = this.processes();
      if (pids.length === 0) break;
      for (const pid of pids) killQuietly(pid, "SIGKILL");
      killed.push(...pids);
      // Teardown detaches the loop devices next: give the kernel a moment to drop the node's mounts.
      for (let i = 0; i < 40 && pids.some(isLiveNotZombie); i++) Atomics.wait(pause, 0, 0, 50);
    }
    // Orphans (keepalived's VRRP child) are reaped by PID 1, on its own schedule: give it a moment,
    // so no lab process is listed anywhere after the run.
    for (let i = 0; i < 60 && killed.some((pid) => existsSync(`/proc/${pid}`)); i++) Atomics.wait(pause, 0, 0, 50);
    this.anchor = undefined;
    this.mountNs = undefined;
  }
}

/** Shell steps that give the node a /dev of its own; the host's /dev is left untouched. */
function privateDev(blockDevices: readonly string[]): string[] {
  const steps = [`mount -t tmpfs -o mode=0755,size=1m lab-dev /dev`];
  for (const [name, major, minor] of characterDevices) steps.push(`mknod -m 666 /dev/${name} c ${major} ${minor}`);
  steps.push(
    `mkdir /dev/shm /dev/pts`,
    `mount -t tmpfs -o mode=1777 lab-shm /dev/shm`,
    `mount -t devpts -o newinstance,ptmxmode=0666 lab-pts /dev/pts`,
    `ln -s pts/ptmx /dev/ptmx`,
  );
  steps.push(
    `ln -s /proc/self/fd /dev/fd`,
    `ln -s /proc/self/fd/0 /dev/stdin`,
    `ln -s /proc/self/fd/1 /dev/stdout`,
    `ln -s /proc/self/fd/2 /dev/stderr`,
  );
  for (const device of blockDevices) {
    const rdev = statSync(device).rdev;
    const major = (rdev >> 8) & 0xfff;
    const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
    steps.push(`mknod -m 660 ${device} b ${major} ${minor}`);
  }
  return steps;
}

/** Kill rounds before a node's teardown gives up on a process that keeps forking. */
const maxKillRounds = 20;

function mountNamespaceOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}
