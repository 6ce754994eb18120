import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { BenchCloud } from "./bench-cloud";
import { allocationId, nodeA, vip, worldHeldByB, writeVipEipCluster } from "./bench-cluster";
import { cleanEnv, expectSuccess, timedRun } from "./timed-process";

// Figure 2: the same takeover done the way hand-written notify scripts do it (cli-baseline.sh:
// curl for IMDSv2, then one `aws ec2 …` process per call), against the same stand-in and latency.

export type BaselineFigures = { skipped: string } | { samples: number[]; version: string; calls: number };

export async function benchBaseline(cloud: BenchCloud, workDir: string, script: string, runs: number): Promise<BaselineFigures> {
  const version = awsCliVersion();
  if (version === undefined) return { skipped: "the aws CLI is not installed (`aws --version` failed)" };
  const cluster = writeVipEipCluster(workDir, { runDir: join(workDir, "run"), byIdDir: join(workDir, "by-id") });
  const spec = worldHeldByB(cluster.description);
  const samples: number[] = [];
  let calls = 0;
  for (let i = 0; i <= runs; i++) {
    const server = await cloud.reset(spec);
    const env = cleanEnv({
      IMDS_URL: cloud.imdsUrl,
      EC2_URL: server.url,
      VIP: vip,
      ALLOCATION_ID: allocationId,
      AWS_ACCESS_KEY_ID: "AKIABENCHBENCHBENCH0",
      AWS_SECRET_ACCESS_KEY: "bench-secret-bench-secret-bench-secret-0",
      AWS_DEFAULT_REGION: cloud.region,
      // Only what the environment says: no profile, no instance credentials, no telemetry.
      AWS_CONFIG_FILE: join(workDir, "no-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(workDir, "no-aws-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
    });
    const run = expectSuccess(await timedRun(["sh", script], { env, timeoutMs: 60_000 }), "cli-baseline.sh");
    const eniOfA = server.world.snapshot().interfaces.find((n) => n.instanceId === nodeA.instanceId);
    if (!eniOfA?.privateIps.includes(vip)) throw new Error(`cli-baseline.sh did not move ${vip} to node A`);
    // The first run also fills the page cache with Python and botocore; it is not counted.
    if (i > 0) samples.push(run.ms);
    calls = server.calls.all().length;
  }
  return { samples, version, calls };
}

function awsCliVersion(): string | undefined {
  const r = spawnSync("aws", ["--version"], { encoding: "utf8", timeout: 30_000, env: cleanEnv() });
  if (r.status !== 0) return undefined;
  return `${r.stdout}${r.stderr}`.trim().split(/\s+/)[0];
}
