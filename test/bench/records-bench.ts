import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startRoute53Server } from "../support/route53-standin/server";
import type { BenchCloud } from "./bench-cloud";
import { hostedZoneId, worldHeldByB, writeVipEipCluster, writeVipEipRecordCluster } from "./bench-cluster";
import { cleanEnv, expectSuccess, timedRun } from "./timed-process";

// Figure 9: what a description with a Route53 record costs a cold start. `aws-ha-notify master
// --dry-run` (inspect and plan, no change) of the VIP + EIP pair, with and without a record of the
// VIP, taken in turns so that a busy moment hits both alike. The record's inspect loads the Route53
// client (which a description without records never loads) and makes one call to its stand-in.

export interface RecordsFigures {
  without: number[];
  withRecord: number[];
}

export async function benchRecords(cloud: BenchCloud, workDir: string, notifyBin: string, runs: number): Promise<RecordsFigures> {
  const runDir = join(workDir, "run");
  mkdirSync(runDir, { recursive: true });
  const paths = { runDir, byIdDir: join(workDir, "by-id") };
  const plain = writeVipEipCluster(workDir, paths);
  const recorded = writeVipEipRecordCluster(workDir, paths);
  await cloud.reset(worldHeldByB(plain.description));
  const route53 = await startRoute53Server({ zones: [{ id: hostedZoneId, name: "example.com." }] });
  const env = cleanEnv({ ...cloud.nodeEnv(), AWS_ENDPOINT_URL_ROUTE_53: route53.url });
  const figures: RecordsFigures = { without: [], withRecord: [] };
  try {
    for (let i = 0; i <= runs; i++) {
      for (const [file, samples] of [
        [plain.file, figures.without],
        [recorded.file, figures.withRecord],
      ] as const) {
        const run = expectSuccess(
          await timedRun([process.execPath, notifyBin, "master", "--dry-run", "--cluster", file], { env, timeoutMs: 30_000 }),
          `aws-ha-notify master --dry-run --cluster ${file}`,
        );
        // The first of each: the code cache and the description cache of a new build.
        if (i > 0) samples.push(run.ms);
      }
    }
  } finally {
    await route53.close();
  }
  return figures;
}
