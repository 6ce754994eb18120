import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchCloud } from "./bench-cloud";
import { worldHeldByB, writeVipEipCluster } from "./bench-cluster";
import { longestChain } from "./call-chain";
import { cleanEnv, expectSuccess, timedRun } from "./timed-process";
import { checkTakenOver, giveBackToB } from "./warm-bench";

// Figure 8: keepalived without its FIFO (or Heartbeat, or Pacemaker) with the resident helper
// running: a cold `aws-ha-notify master` process, as keepalived starts one, that hands its event to
// `aws-ha-notify serve` over the helper's socket. Timed from spawn to exit, node B holding the VIP
// and its EIP before each run (given back inside the stand-in's world, so that the helper's
// connection stays up). The process says with AWS_HA_CODE_CACHE_DEBUG whether the helper did the
// event; the runs it did itself (the helper did not accept in time: a busy machine) are counted and
// stay in the figure, as a daemon would have waited for them too. Also peak RSS: of the calling
// process (/usr/bin/time) and of the helper (VmHWM). The helper is started with the Node.js flags
// the package's systemd unit gives it (packaging/debian/helper-unit.ts), as on a node.

export interface HelperFigures {
  samples: number[];
  /** Runs in which the process did the event itself. */
  doneAlone: number;
  /** How long the helper took to accept each timed run's event, as the process saw it (ms). */
  acceptMs: number[];
  /** Why, as those processes said (AWS_HA_CODE_CACHE_DEBUG's "hand-over:" lines), each with its count. */
  whyAlone: Map<string, number>;
  chainLength: number;
  /** Peak RSS of the calling processes, KiB; empty without /usr/bin/time. */
  clientRssKiB: number[];
  helperRssKiB: number;
  /** The flags the helper ran with, from the unit's ExecStart. */
  nodeFlags: string[];
}

/** The Node.js flags of the unit's ExecStart=/usr/bin/node FLAGS… /usr/bin/aws-ha-notify serve. */
export function unitNodeFlags(unit: string): string[] {
  const exec = /^ExecStart=\S*node((?:\s+--\S+)*)\s+\S*aws-ha-notify serve$/m.exec(unit);
  return exec ? exec[1]!.trim().split(/\s+/).filter(Boolean) : [];
}

export async function benchHelper(
  cloud: BenchCloud,
  workDir: string,
  notifyBin: string,
  runs: { timed: number; rss: number },
  unit: string,
): Promise<HelperFigures> {
  const nodeFlags = unitNodeFlags(unit);
  const runDir = join(workDir, "run");
  mkdirSync(runDir, { recursive: true });
  const cluster = writeVipEipCluster(workDir, { runDir, byIdDir: join(workDir, "by-id") });
  const server = await cloud.reset(worldHeldByB(cluster.description));
  const env = cleanEnv({ ...cloud.nodeEnv(), AWS_HA_HELPER_SOCKET: join(workDir, "helper", "notify.sock") });
  const startHelper = () =>
    new Helper(
      spawn(process.execPath, [...nodeFlags, notifyBin, "--cluster", cluster.file, "--verbose", "serve"], {
        env,
        stdio: ["ignore", "ignore", "pipe"],
      }),
    );
  // Started and stopped once unmeasured: the first start of a new build (or under new flags) compiles
  // the bundle from source and leaves its code cache when it stops, as a node's helper does once.
  const first = startHelper();
  try {
    await first.ready(15_000);
  } finally {
    await first.stop();
  }
  const helper = startHelper();
  const samples: number[] = [];
  const clientRssKiB: number[] = [];
  let chainLength = 0;
  let doneAlone = 0;
  const whyAlone = new Map<string, number>();
  const acceptMs: number[] = [];
  try {
    await helper.ready(15_000);
    const event = async (wrapped: string[]) => {
      giveBackToB(server.world);
      server.calls.clear();
      const run = expectSuccess(
        await timedRun([...wrapped, process.execPath, notifyBin, "master", "--cluster", cluster.file], {
          env: { ...env, AWS_HA_CODE_CACHE_DEBUG: "1" },
          timeoutMs: 30_000,
        }),
        "aws-ha-notify master with the helper",
      );
      checkTakenOver(server.world);
      chainLength = Math.max(chainLength, longestChain(server.calls.all()).length);
      const alone = !/^hand-over: done by the helper$/m.test(run.stderr);
      return { run, alone, why: /^hand-over: (.*)$/m.exec(run.stderr)?.[1] ?? "no hand-over line" };
    };
    // One unmeasured run first, as for the cold figure.
    for (let i = 0; i <= runs.timed; i++) {
      const { run, alone, why } = await event([]);
      if (i === 0) continue;
      samples.push(run.ms);
      const accepted = /^hand-over: accepted in (\d+) ms$/m.exec(run.stderr);
      if (accepted) acceptMs.push(Number(accepted[1]));
      if (alone) {
        doneAlone++;
        whyAlone.set(why, (whyAlone.get(why) ?? 0) + 1);
      }
    }
    const time = "/usr/bin/time";
    if (existsSync(time)) {
      const out = join(workDir, "maxrss");
      for (let i = 0; i < runs.rss; i++) {
        const { alone } = await event([time, "-f", "%M", "-o", out]);
        // A run the process did itself measures the cold path, which figure 7 has already.
        if (!alone) clientRssKiB.push(Number(readFileSync(out, "utf8").trim().split("\n").at(-1)));
      }
    }
    return { samples, doneAlone, whyAlone, acceptMs, chainLength, clientRssKiB, helperRssKiB: helper.peakRssKiB(), nodeFlags };
  } finally {
    await helper.stop();
  }
}

/** The helper, its stderr watched for the line that says it is ready. */
class Helper {
  private stderr = "";
  private readonly exited: Promise<void>;

  constructor(private readonly child: ChildProcess) {
    child.stderr!.setEncoding("utf8").on("data", (s: string) => (this.stderr += s));
    this.exited = new Promise((resolve) => child.once("close", () => resolve()));
  }

  async ready(timeoutMs: number): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (!/ready for the first event/.test(this.stderr)) {
      if (performance.now() > until || this.child.exitCode !== null) throw new Error(`the helper did not get ready:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  peakRssKiB(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
    return Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
    const killer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await this.exited;
    clearTimeout(killer);
  }
}
