import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { closeSync, constants, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Ec2Call } from "../support/ec2-standin/call-log";
import type { Ec2World } from "../support/ec2-standin/world";
import type { BenchCloud } from "./bench-cloud";
import { allocationId, nodeA, nodeB, vip, worldHeldByB, writeVipEipCluster } from "./bench-cluster";
import { longestChain } from "./call-chain";
import { cleanEnv } from "./timed-process";
import { residentNode } from "../../src/gen/resident-node";

// Figure 6: the warm path. keepalived's notify FIFO feeds a resident `aws-ha-notify fifo`, which got
// ready when it started. Timed from the write of a MASTER line to the reader's closing line, node B
// holding the VIP and its EIP before every event (given back to it inside the stand-in's world, so
// that the reader's connection stays up). "First" is the first event a fresh reader handles once
// it is ready; "later" are the events after it. Also the reader's peak RSS (VmHWM).

export interface WarmFigures {
  first: number[];
  later: number[];
  /** The longest chain of dependent calls of an event, as the stand-in saw them. */
  chainLength: number;
  /** Peak resident set of the readers, KiB. */
  peakRssKiB: number;
  /** Each event's calls and when its line was written and its closing line read (epoch ms), for `callTimeline`. */
  timelines: { first: boolean; calls: Ec2Call[]; writtenAt: number; closedAt: number }[];
}

export async function benchWarm(
  cloud: BenchCloud,
  workDir: string,
  notifyBin: string,
  runs: { readers: number; later: number },
): Promise<WarmFigures> {
  const runDir = join(workDir, "run");
  mkdirSync(runDir, { recursive: true });
  const cluster = writeVipEipCluster(workDir, { runDir, byIdDir: join(workDir, "by-id") });
  const spec = worldHeldByB(cluster.description);
  const first: number[] = [];
  const later: number[] = [];
  let chainLength = 0;
  let peakRssKiB = 0;
  const timelines: WarmFigures["timelines"] = [];
  // V8's compiled code is cached per set of flags: the first reader with the resident flags after a
  // build compiles from source, as a node does once after an upgrade, and keeps its compiled code
  // once it has run an event and had a quiet second. Started, given one event and stopped once
  // first, so that every measured reader starts as keepalived's does on every later restart.
  await startReader(-1, { measure: false });
  for (let r = 0; r < runs.readers; r++) await startReader(r, { measure: true });
  return { first, later, chainLength, peakRssKiB, timelines };

  async function startReader(r: number, { measure }: { measure: boolean }): Promise<void> {
    const server = await cloud.reset(spec);
    const fifo = join(workDir, `notify-${r < 0 ? "warm-up" : r}.fifo`);
    execFileSync("mkfifo", ["-m", "0600", fifo]);
    const fd = openSync(fifo, constants.O_RDWR);
    const reader = new Reader(
      // As keepalived starts it from the rendered vrrp_notify_fifo_script: node with the resident flags.
      spawn(process.execPath, [...residentNode.slice(2), notifyBin, "fifo", "--cluster", cluster.file, fifo], {
        env: cleanEnv(cloud.nodeEnv()),
        stdio: ["ignore", "ignore", "pipe"],
      }),
    );
    try {
      await reader.ready(() => server.calls.all().length >= 2, 15_000);
      if (!measure) {
        writeSync(fd, 'INSTANCE "VI_1" MASTER 150\n');
        await reader.closingLines(1, 15_000);
        await new Promise((r) => setTimeout(r, 1_500));
        return;
      }
      const events = r === 0 ? 1 + runs.later : 1;
      for (let e = 0; e < events; e++) {
        if (e > 0) {
          giveBackToB(server.world);
          writeSync(fd, 'INSTANCE "VI_1" BACKUP 100\n');
          await reader.closingLines(2 * e, 15_000);
        }
        server.calls.clear();
        const started = performance.now();
        const writtenAt = Date.now();
        writeSync(fd, 'INSTANCE "VI_1" MASTER 150\n');
        await reader.closingLines(2 * e + 1, 15_000);
        const ms = performance.now() - started;
        timelines.push({ first: e === 0, calls: server.calls.all(), writtenAt, closedAt: Date.now() });
        checkTakenOver(server.world);
        (e === 0 ? first : later).push(ms);
        chainLength = Math.max(chainLength, longestChain(server.calls.all()).length);
      }
      peakRssKiB = Math.max(peakRssKiB, reader.peakRssKiB());
    } finally {
      closeSync(fd);
      await reader.stop();
      rmSync(fifo, { force: true });
    }
  }
}

/**
 * Node B holds the VIP and the EIP again, as after B was master: changed in the stand-in's world
 * directly. BACKUP is then written, so that the reader is no longer master (no drift repair) and
 * the next MASTER is a real takeover.
 */
export function giveBackToB(world: Ec2World): void {
  const eniA = [...world.interfaces.values()].find((e) => e.instanceId === nodeA.instanceId)!;
  const eniB = [...world.interfaces.values()].find((e) => e.instanceId === nodeB.instanceId)!;
  eniA.privateIps = eniA.privateIps.filter((ip) => ip !== vip);
  if (!eniB.privateIps.includes(vip)) eniB.privateIps.push(vip);
  const address = world.address(allocationId);
  address.association = { associationId: world.newId("eipassoc"), networkInterfaceId: eniB.networkInterfaceId, privateIp: vip };
}

export function checkTakenOver(world: Ec2World): void {
  const eniA = [...world.interfaces.values()].find((e) => e.instanceId === nodeA.instanceId)!;
  const address = world.address(allocationId);
  if (!eniA.privateIps.includes(vip) || address.association?.networkInterfaceId !== eniA.networkInterfaceId)
    throw new Error(`after the MASTER line node A does not hold ${vip} and ${allocationId}`);
}

/** The resident reader, its stderr watched for closing lines. */
class Reader {
  private stderr = "";
  private watchers: (() => void)[] = [];
  private readonly exited: Promise<void>;

  constructor(private readonly child: ChildProcess) {
    child.stderr!.setEncoding("utf8").on("data", (s: string) => {
      this.stderr += s;
      for (const w of this.watchers) w();
    });
    this.exited = new Promise((resolve) => child.once("close", () => resolve()));
  }

  /** Resolves once `probe` holds (the reader's read-only start calls arrived) and a quiet moment passed. */
  async ready(probe: () => boolean, timeoutMs: number): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (!probe()) {
      if (performance.now() > until) throw new Error(`the FIFO reader did not get ready:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 300));
  }

  /** Resolves as soon as stderr holds `n` closing lines ("acquire done", "release done"). */
  closingLines(n: number, timeoutMs: number): Promise<void> {
    const count = () => (this.stderr.match(/\b(acquire|release) (done|failed)\b/g) ?? []).length;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.watchers = this.watchers.filter((w) => w !== check);
        reject(new Error(`the FIFO reader logged no closing line ${n} in ${timeoutMs} ms:\n${this.stderr}`));
      }, timeoutMs);
      const check = () => {
        if (count() < n) return;
        clearTimeout(timer);
        this.watchers = this.watchers.filter((w) => w !== check);
        resolve();
      };
      this.watchers.push(check);
      check();
    });
  }

  /** VmHWM of the live reader, KiB. */
  peakRssKiB(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
    return Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }
}
