import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { benchBaseline, type BaselineFigures } from "./baseline-bench";
import { benchBareRoundTrip } from "./bare-round-trip";
import { BenchCloud } from "./bench-cloud";
import { callTimeline, describeChain } from "./call-chain";
import { benchColdStart, type ColdStartFigures } from "./cold-start";
import { printTable, type Row } from "./report";
import { runStateDir } from "./run-state-dir";
import { median, ms, percentile, ratio, summary } from "./stats";
import { benchPeakRss, benchTransition, type TransitionFigures } from "./transition-bench";
import { benchWarm, type WarmFigures } from "./warm-bench";
import { benchVolume, type VolumeFigures } from "./volume-bench";
import { benchHelper, type HelperFigures } from "./helper-bench";
import { packageHelperUnit } from "../../packaging/debian/helper-unit";
import { benchRecords, type RecordsFigures } from "./records-bench";

// `npm run bench`: figures, never assertions. Everything runs on loopback against the stand-ins
// in this process; the measured CLIs are the built bundles (bin/, or --bin DIR to compare a build).

const latencyMs = 50;
const runs = {
  transition: 15,
  firstOfBoot: 7,
  baseline: 7,
  volume: 7,
  coldStart: 15,
  bareCalls: 21,
  warmReaders: 7,
  warmLater: 14,
  rss: 3,
  helper: 15,
  records: 9,
};
const attachMs = 1000;

interface Args {
  root: string;
  bin: string;
  /** `--only records`: figure 9 alone. */
  only?: "records";
}

function parseArgs(argv: string[]): Args {
  const value = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const root = resolve(value("--root") ?? process.cwd());
  const only = value("--only");
  if (only !== undefined && only !== "records") throw new Error(`--only ${only}: only "records" runs alone`);
  return { root, bin: resolve(value("--bin") ?? join(root, "bin")), ...(only ? { only } : {}) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const state = runStateDir();
  const workDir = mkdtempSync(join(state.path, "aws-ha-bench-"));
  const section = (name: string) => {
    const dir = join(workDir, name);
    mkdirSync(dir);
    return dir;
  };
  console.log(
    `aws-ha bench: bundles from ${args.bin}, ${latencyMs} ms per EC2 call, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}; ${state.what}`,
  );
  const cloud = await BenchCloud.start(latencyMs);
  const stopOnSignal = () => void cleanUp().then(() => process.exit(130));
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  let cleaned = false;
  async function cleanUp(): Promise<void> {
    if (cleaned) return;
    cleaned = true;
    await cloud.close();
    rmSync(workDir, { recursive: true, force: true });
  }
  try {
    const notify = join(args.bin, "aws-ha-notify");
    if (args.only === "records") {
      const records = await recordsSection(cloud, section("records"), notify);
      console.log("");
      printTable(recordsRows(records));
      return;
    }

    console.log(`\n5. CLI cold start (--help, ${runs.coldStart} runs each)`);
    const cold = await benchColdStart(args.bin, runs.coldStart);
    console.log(`   node -e 0          ${summary(cold.node)}`);
    for (const c of cold.clis) console.log(`   ${c.name.padEnd(18)} ${summary(c.samples)}, ${(c.bytes / 1024).toFixed(0)} KiB`);

    console.log(`\n1. master transition, VIP + EIP, cold aws-ha-notify (${runs.transition} runs, node B holds both before each)`);
    const transition = await benchTransition(cloud, section("transition"), notify, runs.transition);
    console.log(`   process            ${summary(transition.samples)}`);
    console.log(`   its own "done ms"  ${summary(transition.internalMs.filter(Number.isFinite))}`);
    console.log(`   EC2 calls of the median run:`);
    for (const line of callTimeline(transition.typical.calls, transition.typical.startedAt)) console.log(`     ${line}`);
    const firstOfBoot = await benchTransition(cloud, section("first-of-boot"), notify, runs.firstOfBoot, { firstOfBoot: true });
    console.log(`   the first event of a boot (an empty run directory: IMDS asked for the identity) ${summary(firstOfBoot.samples)}`);

    console.log(`\n3. floor`);
    console.log(
      `   longest chain of dependent EC2 calls: ${transition.chain.length}: ${describeChain(transition.chain, transition.typical.calls)}`,
    );
    const bare = await benchBareRoundTrip(cloud, runs.bareCalls);
    const roundTrip = median(bare.samples);
    console.log(`   one call from a bare client (node:http, own process, kept-alive connection): ${summary(bare.samples)}`);
    const floors: Floors = {
      nominal: transition.chain.length * latencyMs + median(cold.node),
      measured: transition.chain.length * roundTrip + median(cold.node),
      roundTrip,
    };
    console.log(`   floor = ${transition.chain.length} × ${latencyMs} ms + node -e 0 ${ms(median(cold.node))} = ${ms(floors.nominal)}`);
    console.log(
      `   floor with the calls as a bare client sees them = ${transition.chain.length} × ${roundTrip.toFixed(1)} ms + node -e 0 = ${ms(floors.measured)}`,
    );
    for (const line of whereTheTimeWent(transition, median(cold.node))) console.log(`   ${line}`);

    console.log(`\n2. AWS CLI baseline (test/bench/cli-baseline.sh, ${runs.baseline} runs)`);
    const baseline = await benchBaseline(cloud, section("baseline"), join(args.root, "test/bench/cli-baseline.sh"), runs.baseline);
    if ("skipped" in baseline) console.log(`   skipped: ${baseline.skipped}`);
    else console.log(`   ${baseline.version}, ${baseline.calls} EC2 calls: ${summary(baseline.samples)}`);

    console.log(`\n6. warm path: a resident aws-ha-notify fifo, MASTER line written → its closing line`);
    console.log(`   ${runs.warmReaders} fresh readers (first event once ready), then ${runs.warmLater} later events of one reader`);
    const warm = await benchWarm(cloud, section("warm"), notify, { readers: runs.warmReaders, later: runs.warmLater });
    console.log(
      `   call chain         ${warm.chainLength} × ${latencyMs} ms = ${ms(warm.chainLength * latencyMs)}; as a bare client sees it ${warm.chainLength} × ${roundTrip.toFixed(1)} ms = ${ms(warm.chainLength * roundTrip)}`,
    );
    console.log(`   first event        ${summary(warm.first)}`);
    console.log(`   later events       ${summary(warm.later)}`);
    console.log(`   reader peak RSS    ${(warm.peakRssKiB / 1024).toFixed(1)} MiB`);

    console.log(`\n8. one-shot aws-ha-notify master with the resident helper (aws-ha-notify serve) running (${runs.helper} runs)`);
    const helper = await benchHelper(cloud, section("helper"), notify, { timed: runs.helper, rss: runs.rss }, packageHelperUnit());
    console.log(`   the helper runs as the package's unit starts it: node ${[...helper.nodeFlags, "aws-ha-notify serve"].join(" ")}`);
    console.log(`   process            ${summary(helper.samples)}`);
    console.log(
      `   done by the helper ${helper.samples.length - helper.doneAlone} of ${helper.samples.length} (the others did it themselves)`,
    );
    for (const [why, n] of helper.whyAlone) console.log(`     ${n} × ${why}`);
    console.log(`   accepted within    ${summary(helper.acceptMs)} (the process waits at most 50 ms)`);
    console.log(`   call chain         ${helper.chainLength} × ${latencyMs} ms`);
    console.log(
      `   peak RSS           process ${helper.clientRssKiB.map((k) => `${(k / 1024).toFixed(1)} MiB`).join(", ")}; helper ${(helper.helperRssKiB / 1024).toFixed(1)} MiB`,
    );

    const records = await recordsSection(cloud, section("records"), notify);

    console.log(`\n7. peak RSS of a cold aws-ha-notify master (/usr/bin/time %M, ${runs.rss} runs)`);
    const rss = await benchPeakRss(cloud, section("rss"), notify, runs.rss);
    if ("skipped" in rss) console.log(`   skipped: ${rss.skipped}`);
    else console.log(`   ${rss.map((k) => `${(k / 1024).toFixed(1)} MiB`).join(", ")}`);

    console.log(`\n4. volume: attach takes ${attachMs} ms in the stand-in (${runs.volume} runs)`);
    console.log(
      "   free at the start; its by-id link appears when the stand-in reports it attached; real ext4 mount of a loop device, fsck off",
    );
    const volume = await benchVolume(cloud, section("volume"), notify, runs.volume, attachMs);
    if ("skipped" in volume) console.log(`   skipped: ${volume.skipped}`);
    else {
      console.log(`   attached → done    ${summary(volume.afterAttach)}`);
      console.log(`   whole transition   ${summary(volume.total)}`);
    }

    console.log("");
    printTable([...tableRows(transition, floors, baseline, volume, cold, warm, rss), ...helperRows(helper, floors, baseline, records)]);
  } finally {
    await cleanUp();
  }
}

/** The median run split at its first EC2 request and its last EC2 answer, on the bench's clock. */
function whereTheTimeWent(t: TransitionFigures, nodeMs: number): string[] {
  const { calls, startedAt, endedAt } = t.typical;
  if (calls.length === 0) return [];
  const first = Math.min(...calls.map((c) => c.at));
  const last = Math.max(...calls.map((c) => c.at + c.durationMs));
  const latency = t.chain.length * latencyMs;
  return [
    `the median run (${ms(endedAt - startedAt)}):`,
    `  spawn → first EC2 request   ${ms(first - startedAt)}  (node itself ${ms(nodeMs)}; the rest is loading the bundle, the description, IMDS, the lock)`,
    `  first request → last answer ${ms(last - first)}  (${ms(latency)} of it injected latency along the chain)`,
    `  last answer → exit           ${ms(endedAt - last)}`,
  ];
}

/**
 * The least a run could take: node's own start, plus the chain of dependent calls at the injected
 * latency (nominal), or at the round trip a bare client measured against the same stand-in.
 */
interface Floors {
  nominal: number;
  measured: number;
  roundTrip: number;
}

function tableRows(
  t: TransitionFigures,
  floors: Floors,
  baseline: BaselineFigures,
  volume: VolumeFigures,
  cold: ColdStartFigures,
  warm: WarmFigures,
  rss: number[] | { skipped: string },
): Row[] {
  const ours = median(t.samples);
  const nodeMs = median(cold.node);
  const rows: Row[] = [
    { figure: "1 master VIP+EIP, cold aws-ha-notify", median: ms(ours), p90: ms(percentile(t.samples, 90)) },
    "skipped" in baseline
      ? { figure: "2 AWS CLI script", median: "skipped" }
      : { figure: "2 AWS CLI script", median: ms(median(baseline.samples)), p90: ms(percentile(baseline.samples, 90)) },
    { figure: `3 floor (${t.chain.length} × ${latencyMs} ms + node)`, median: ms(floors.nominal) },
    { figure: `  floor (${t.chain.length} × bare call ${floors.roundTrip.toFixed(1)} ms + node)`, median: ms(floors.measured) },
  ];
  if (!("skipped" in baseline)) rows.push(judged("  baseline / ours", median(baseline.samples) / ours, "≥ 10×", (r) => r >= 10));
  rows.push(judged("  ours / floor", ours / floors.nominal, "≤ 1.5×", (r) => r <= 1.5));
  rows.push(judged("  ours / floor, bare calls", ours / floors.measured, "≤ 1.5×", (r) => r <= 1.5));
  if ("skipped" in volume) rows.push({ figure: "4 volume attached → done", median: "skipped" });
  else {
    const after = median(volume.afterAttach);
    rows.push({
      figure: "4 volume attached → done",
      median: ms(after),
      p90: ms(percentile(volume.afterAttach, 90)),
      target: "≤ 300 ms",
      verdict: after <= 300 ? "met" : "missed",
    });
  }
  const chainMs = warm.chainLength * latencyMs;
  const bareChainMs = warm.chainLength * floors.roundTrip;
  rows.push({ figure: `6 warm call chain (${warm.chainLength} × ${latencyMs} ms)`, median: ms(chainMs) });
  rows.push({ figure: `  warm call chain, bare calls`, median: ms(bareChainMs) });
  rows.push({ figure: "  warm first event", median: ms(median(warm.first)), p90: ms(percentile(warm.first, 90)) });
  rows.push(judged("    first / chain", median(warm.first) / chainMs, "≤ 1.1×", (r) => r <= 1.1));
  rows.push(judged("    first / chain, bare calls", median(warm.first) / bareChainMs, "≤ 1.1×", (r) => r <= 1.1));
  rows.push({ figure: "  warm later events", median: ms(median(warm.later)), p90: ms(percentile(warm.later, 90)) });
  rows.push(judged("    later / chain", median(warm.later) / chainMs, "≤ 1.1×", (r) => r <= 1.1));
  rows.push(judged("    later / chain, bare calls", median(warm.later) / bareChainMs, "≤ 1.1×", (r) => r <= 1.1));
  if ("skipped" in rss) rows.push({ figure: "7 peak RSS, cold master", median: "skipped" });
  else {
    const peak = Math.max(...rss) / 1024;
    rows.push({
      figure: "7 peak RSS, cold master (max)",
      median: `${peak.toFixed(1)} MiB`,
      target: "≤ 64 MiB",
      verdict: peak <= 64 ? "met" : "missed",
    });
  }
  const readerPeak = warm.peakRssKiB / 1024;
  rows.push({
    figure: "  peak RSS, FIFO reader",
    median: `${readerPeak.toFixed(1)} MiB`,
    target: "≤ 64 MiB",
    verdict: readerPeak <= 64 ? "met" : "missed",
  });
  rows.push({ figure: "5 node -e 0", median: ms(nodeMs) });
  for (const c of cold.clis)
    rows.push({
      figure: `  ${c.name} --help`,
      median: ms(median(c.samples)),
      p90: ms(percentile(c.samples, 90)),
      target: `${ratio(median(c.samples) / nodeMs)} node`,
      verdict: `${(c.bytes / 1024).toFixed(0)} KiB`,
    });
  return rows;
}

async function recordsSection(cloud: BenchCloud, dir: string, notify: string): Promise<RecordsFigures> {
  console.log(
    `\n9. start-up cost of a description with a Route53 record, or a cluster role: master --dry-run, in turns (${runs.records} runs each)`,
  );
  const records = await benchRecords(cloud, dir, notify, runs.records);
  const versus = (samples: number[]) =>
    `median ${signed(median(samples) - median(records.without))}, p90 ${signed(percentile(samples, 90) - percentile(records.without, 90))}`;
  console.log(`   without            ${summary(records.without)}`);
  console.log(`   with a record      ${summary(records.withRecord)}; ${versus(records.withRecord)}`);
  console.log(`   with a role        ${summary(records.withRole)}; ${versus(records.withRole)}`);
  return records;
}

/** "+12 ms", "-3 ms": a difference from the figure without records or roles. */
function signed(value: number): string {
  return `${value >= 0 ? "+" : ""}${ms(value)}`;
}

function recordsRows(records: RecordsFigures): Row[] {
  const without = median(records.without);
  const variant = (figure: string, samples: number[]): Row => ({
    figure,
    median: ms(median(samples)),
    p90: ms(percentile(samples, 90)),
    target: signed(median(samples) - without),
  });
  return [
    { figure: "9 master --dry-run, no records or roles", median: ms(without), p90: ms(percentile(records.without, 90)) },
    variant("  with a Route53 record", records.withRecord),
    variant("  with a cluster role (AssumeRole)", records.withRole),
  ];
}

function helperRows(h: HelperFigures, floors: Floors, baseline: BaselineFigures, records: RecordsFigures): Row[] {
  const ours = median(h.samples);
  const rows: Row[] = [{ figure: "8 master VIP+EIP, one-shot call, helper running", median: ms(ours), p90: ms(percentile(h.samples, 90)) }];
  if (!("skipped" in baseline)) rows.push(judged("  baseline / with helper", median(baseline.samples) / ours, "≥ 10×", (r) => r >= 10));
  rows.push(judged("  with helper / floor", ours / floors.nominal, "≤ 1.5×", (r) => r <= 1.5));
  rows.push(judged("  with helper / floor, bare calls", ours / floors.measured, "≤ 1.5×", (r) => r <= 1.5));
  if (h.clientRssKiB.length > 0) {
    const peak = Math.max(...h.clientRssKiB) / 1024;
    rows.push({
      figure: "  peak RSS, the calling process (max)",
      median: `${peak.toFixed(1)} MiB`,
      target: "≤ 64 MiB",
      verdict: peak <= 64 ? "met" : "missed",
    });
  }
  const helperPeak = h.helperRssKiB / 1024;
  rows.push({
    figure: "  peak RSS, the helper",
    median: `${helperPeak.toFixed(1)} MiB`,
    target: "≤ 64 MiB",
    verdict: helperPeak <= 64 ? "met" : "missed",
  });
  rows.push(...recordsRows(records));
  return rows;
}

function judged(figure: string, value: number, target: string, met: (v: number) => boolean): Row {
  return { figure, median: ratio(value), target, verdict: met(value) ? "met" : "missed" };
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
