import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startRoute53Server } from "../support/route53-standin/server";
import { startStsServer } from "../support/sts-standin/server";
import type { BenchCloud } from "./bench-cloud";
import { hostedZoneId, worldHeldByB, writeVipEipCluster, writeVipEipRecordCluster } from "./bench-cluster";
import { cleanEnv, expectSuccess, timedRun, unmeasuredRuns } from "./timed-process";

// Figure 9: what a description with a Route53 record, or with a cluster role, costs a cold start.
// `aws-ha-notify master --dry-run` (inspect and plan, no change) of the VIP + EIP pair: as it is,
// with a record of the VIP, and with a cluster `assumeRole`, taken in turns so that a busy moment
// hits all three alike. The record's inspect loads the Route53 client (which a description without
// records never loads) and makes one call to its stand-in; the role's loads the STS client and
// assumes the role (one AssumeRole) before EC2 is asked anything, and every EC2 call of the run is
// signed with the role's keys (the EC2 stand-in, in this process, knows the keys STS issued). The
// Route53 and STS stand-ins answer without the injected EC2 latency: the differences are the code
// each loads and runs, plus one loopback call; on AWS, add one round trip to Route53 or STS.

export const benchRoleArn = "arn:aws:iam::222233334444:role/aws-ha-bench";

export interface RecordsFigures {
  without: number[];
  withRecord: number[];
  withRole: number[];
}

export async function benchRecords(cloud: BenchCloud, workDir: string, notifyBin: string, runs: number): Promise<RecordsFigures> {
  const runDir = join(workDir, "run");
  mkdirSync(runDir, { recursive: true });
  const paths = { runDir, byIdDir: join(workDir, "by-id") };
  const plain = writeVipEipCluster(workDir, paths);
  const recorded = writeVipEipRecordCluster(workDir, paths);
  // The same pair, in another account: every resource acts as the cluster's role.
  const roled = join(workDir, "vip-eip-role.yaml");
  writeFileSync(roled, `${readFileSync(plain.file, "utf8")}assumeRole: { roleArn: "${benchRoleArn}" }\n`);
  await cloud.reset(worldHeldByB(plain.description));
  const route53 = await startRoute53Server({ zones: [{ id: hostedZoneId, name: "example.com." }] });
  const sts = await startStsServer({ roles: [{ roleArn: benchRoleArn }] });
  const env = cleanEnv({ ...cloud.nodeEnv(), AWS_ENDPOINT_URL_ROUTE_53: route53.url, AWS_ENDPOINT_URL_STS: sts.url });
  const figures: RecordsFigures = { without: [], withRecord: [], withRole: [] };
  try {
    for (let i = 0; i < unmeasuredRuns + runs; i++) {
      for (const [file, samples] of [
        [plain.file, figures.without],
        [recorded.file, figures.withRecord],
        [roled, figures.withRole],
      ] as const) {
        const run = expectSuccess(
          await timedRun([process.execPath, notifyBin, "master", "--dry-run", "--cluster", file], { env, timeoutMs: 30_000 }),
          `aws-ha-notify master --dry-run --cluster ${file}`,
        );
        // The first of each: the code cache and the description cache of a new build (see unmeasuredRuns).
        if (i >= unmeasuredRuns) samples.push(run.ms);
      }
    }
    // A run that reached EC2 with the node's own keys would measure nothing of the role.
    const assumed = sts.calls().filter((c) => c.action === "AssumeRole" && c.error === undefined).length;
    if (assumed < runs + 1) throw new Error(`the role runs assumed ${benchRoleArn} ${assumed} times in ${runs + 1} runs`);
  } finally {
    await route53.close();
    await sts.close();
  }
  return figures;
}
