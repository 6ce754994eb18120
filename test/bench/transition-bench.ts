import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Ec2Call } from "../support/ec2-standin/call-log";
import type { BenchCloud } from "./bench-cloud";
import { allocationId, nodeA, vip, worldHeldByB, writeVipEipCluster } from "./bench-cluster";
import { longestChain } from "./call-chain";
import { cleanEnv, expectSuccess, timedRun, unmeasuredRuns } from "./timed-process";

// Figure 1: a keepalived MASTER event on node A, as keepalived runs it: a cold aws-ha-notify
// process, the VIP and its EIP held by node B before every run. Timed from spawn to exit.
//
// The run directory stays from one run to the next, as /run/aws-ha does on a node: keepalived's
// first event of a boot (BACKUP or FAULT when it starts, before any failover) leaves there what
// every later event of the boot finds, this instance's identity among it. `firstOfBoot` empties it
// before every run instead: the event that meets a node fresh from boot.

export interface TransitionFigures {
  samples: number[];
  /** aws-ha's own "acquire done ms=…" of each run: the part after start-up. */
  internalMs: number[];
  /** The calls of the run whose time was the median, and when that run started and ended (epoch ms). */
  typical: { calls: Ec2Call[]; startedAt: number; endedAt: number };
  chain: Ec2Call[];
}

export async function benchTransition(
  cloud: BenchCloud,
  workDir: string,
  notifyBin: string,
  runs: number,
  { firstOfBoot = false }: { firstOfBoot?: boolean } = {},
): Promise<TransitionFigures> {
  const runDir = join(workDir, "run");
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const cluster = writeVipEipCluster(workDir, { runDir, byIdDir: join(workDir, "by-id") });
  const spec = worldHeldByB(cluster.description);
  const measured: { ms: number; internal: number; calls: Ec2Call[]; startedAt: number; endedAt: number }[] = [];
  // Unmeasured runs first (see unmeasuredRuns).
  for (let i = 0; i < unmeasuredRuns + runs; i++) {
    const server = await cloud.reset(spec);
    if (firstOfBoot) {
      rmSync(runDir, { recursive: true, force: true });
      mkdirSync(runDir, { recursive: true });
    }
    const startedAt = Date.now();
    const run = expectSuccess(
      await timedRun([process.execPath, notifyBin, "master", "--cluster", cluster.file], {
        env: cleanEnv(cloud.nodeEnv()),
        timeoutMs: 30_000,
      }),
      "aws-ha-notify master",
    );
    checkTakenOver(server.world.snapshot());
    if (i >= unmeasuredRuns)
      measured.push({ ms: run.ms, internal: doneMs(run.stderr), calls: server.calls.all(), startedAt, endedAt: run.endedAt });
  }
  const byTime = [...measured].sort((a, b) => a.ms - b.ms);
  const typical = byTime[Math.floor((byTime.length - 1) / 2)]!;
  return {
    samples: measured.map((m) => m.ms),
    internalMs: measured.map((m) => m.internal),
    typical: { calls: typical.calls, startedAt: typical.startedAt, endedAt: typical.endedAt },
    chain: longestChain(typical.calls),
  };
}

/** A run that did not move both resources to node A measured something else. */
function checkTakenOver(world: ReturnType<BenchCloud["server"]["world"]["snapshot"]>): void {
  const eniOfA = world.interfaces.find((i) => i.instanceId === nodeA.instanceId);
  const eip = world.addresses.find((a) => a.allocationId === allocationId);
  if (!eniOfA?.privateIps.includes(vip) || eip?.networkInterfaceId !== eniOfA.networkInterfaceId || eip.privateIp !== vip)
    throw new Error(`after the run node A does not hold ${vip} and ${allocationId}: ${JSON.stringify({ eniOfA, eip })}`);
}

function doneMs(stderr: string): number {
  const line = stderr.split("\n").find((l) => /acquire done/.test(l));
  const found = line && /\bms=(\d+)/.exec(line);
  return found ? Number(found[1]) : Number.NaN;
}

/**
 * Peak RSS of a cold `aws-ha-notify master` (KiB, the kernel's maxrss as /usr/bin/time reports it),
 * in runs of their own so that the timing runs carry no wrapper. Skipped without /usr/bin/time.
 */
export async function benchPeakRss(
  cloud: BenchCloud,
  workDir: string,
  notifyBin: string,
  runs: number,
): Promise<number[] | { skipped: string }> {
  const time = "/usr/bin/time";
  if (!existsSync(time)) return { skipped: `${time} is not installed` };
  const runDir = join(workDir, "run");
  const cluster = writeVipEipCluster(workDir, { runDir, byIdDir: join(workDir, "by-id") });
  const spec = worldHeldByB(cluster.description);
  const samples: number[] = [];
  // Unmeasured runs first, as for the timings: a run that meets a new build compiles from source,
  // which takes memory a node's later failovers do not need.
  for (let i = 0; i < unmeasuredRuns + runs; i++) {
    await cloud.reset(spec);
    rmSync(runDir, { recursive: true, force: true });
    mkdirSync(runDir, { recursive: true });
    const out = join(workDir, "maxrss");
    expectSuccess(
      await timedRun([time, "-f", "%M", "-o", out, process.execPath, notifyBin, "master", "--cluster", cluster.file], {
        env: cleanEnv(cloud.nodeEnv()),
        timeoutMs: 30_000,
      }),
      "aws-ha-notify master under /usr/bin/time",
    );
    checkTakenOver(cloud.server.world.snapshot());
    if (i >= unmeasuredRuns) samples.push(Number(readFileSync(out, "utf8").trim().split("\n").at(-1)));
  }
  return samples;
}
