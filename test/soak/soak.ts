import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import type { SoakTimeouts } from "./cluster";
import type { SoakConfig } from "./config";
import { runCase, type CaseReport, type LaneContext, type RunStatus } from "./driver";
import { FrontDoor } from "./front-door";
import type { Violation } from "./machine-room";
import { formatProcessCase, processCase, processRoot, runProcessCase, type ProcessCase, type ProcessReport } from "./process-soak";
import { canMountTmpfs } from "./run-dir";
import { formatCase, soakCase, type SoakCase } from "./schedule";
import { installNodeClocks, realTime } from "./wall-clock";

// Lanes of fast-check runs, side by side in this process. Each lane generates cases from its own
// seed (the run's seed plus the lane number), runs them, and on a case that breaks an invariant
// shrinks it to a minimal one, runs that again to see how reliably it fails, and keeps its log.
// Everything is bounded: a number of schedules, a search time, a shrink time per failure. Then a
// few schedules of the shipped bundle, whose processes are really SIGKILLed (process-soak.ts).

export const timeouts: SoakTimeouts = { transition: 3, volume: 1.5, peerRelease: 1 };

export interface Failure {
  lane: number;
  seed: number;
  path: string;
  /** Cases generated before the failing one (the failing one included). */
  after: number;
  shrinks: number;
  minimal: SoakCase;
  violations: Violation[];
  /** Releases of the failing run that lost a race EC2's API cannot prevent (not violations). */
  races: string[];
  reproduced: number;
  confirmRuns: number;
  log: string[];
}

export interface Figures {
  seed: number;
  lanes: number;
  schedules: number;
  shrinkRuns: number;
  events: number;
  redelivered: number;
  faults: number;
  killsMissed: number;
  notInjected: number;
  statuses: Record<RunStatus, number>;
  /** Cases that broke an invariant (each shrunk; a lane reports at most failuresPerLane). */
  violations: number;
  /** Releases that lost a race EC2's API cannot prevent (release-race.ts), over every case run. */
  races: number;
  wallMs: number;
  failures: Failure[];
}

export async function soak(config: SoakConfig): Promise<Figures> {
  const started = realTime();
  const figures: Figures = {
    seed: config.seed,
    lanes: config.lanes,
    schedules: 0,
    shrinkRuns: 0,
    events: 0,
    redelivered: 0,
    faults: 0,
    killsMissed: 0,
    notInjected: 0,
    statuses: { running: 0, done: 0, incomplete: 0, failed: 0, superseded: 0, killed: 0, overran: 0 },
    violations: 0,
    races: 0,
    wallMs: 0,
    failures: [],
  };
  const uninstall = installNodeClocks();
  const savedEnv = { endpoint: process.env.AWS_ENDPOINT_URL_EC2, warning: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED };
  sweepAbandoned();
  const root = mkdtempSync(join(tmpdir(), `aws-ha-soak-${process.pid}-`));
  const door = await FrontDoor.open();
  try {
    process.env.AWS_ENDPOINT_URL_EC2 = door.url;
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    const base = {
      frontDoor: door,
      root,
      timeouts,
      deadPid: deadPid(),
      // An unrelated live process (the test runner that started this one) stands for a killed
      // owner's PID handed out again.
      reusedPid: process.ppid,
      canMountTmpfs: canMountTmpfs(),
    };
    const lanes = config.replay ? [config.replay.lane] : [...Array(config.lanes).keys()];
    const perLane = Math.ceil(config.runs / lanes.length);
    await Promise.all(
      lanes.map((lane) => runLane({ ...base, lane, keepLog: config.replay !== undefined }, config, perLane, started, figures)),
    );
  } finally {
    await door.close();
    rmSync(root, { recursive: true, force: true });
    restore("AWS_ENDPOINT_URL_EC2", savedEnv.endpoint);
    restore("AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED", savedEnv.warning);
    uninstall();
  }
  figures.wallMs = realTime() - started;
  return figures;
}

/**
 * One lane: search from the lane's seed until a case fails, shrink it, confirm it; in the long
 * profile go on from a fresh seed after a failure, so that one defect does not hide the next.
 */
async function runLane(ctx: LaneContext, config: SoakConfig, numRuns: number, started: number, figures: Figures): Promise<void> {
  let runsLeft = numRuns;
  for (let round = 0; runsLeft > 0 && round < config.failuresPerLane; round++) {
    if (realTime() - started > config.searchSeconds * 1000) return;
    const seed = (config.seed + ctx.lane + round * config.lanes) | 0;
    const { ran, failure } = await searchFrom(seed, ctx, config, runsLeft, started, figures);
    runsLeft -= ran;
    if (!failure) return;
    figures.violations += 1;
    figures.failures.push(failure);
  }
}

async function searchFrom(
  seed: number,
  ctx: LaneContext,
  config: SoakConfig,
  numRuns: number,
  started: number,
  figures: Figures,
): Promise<{ ran: number; failure?: Failure }> {
  let failing: { c: SoakCase; report: CaseReport } | undefined;
  let shrinkStarted = 0;
  const add = (r: CaseReport) => {
    figures.events += r.events;
    figures.redelivered += r.redelivered;
    figures.faults += r.faults;
    figures.killsMissed += r.killsMissed;
    figures.notInjected += r.notInjected;
    figures.races += r.races.length;
    for (const [status, n] of Object.entries(r.statuses)) figures.statuses[status as RunStatus] += n;
  };
  const property = fc.asyncProperty(soakCase(config.kinds, config.maxSteps), async (c) => {
    if (failing) {
      if (realTime() - shrinkStarted > config.shrinkSeconds * 1000) return true;
      figures.shrinkRuns += 1;
    } else {
      if (realTime() - started > config.searchSeconds * 1000) return true;
      figures.schedules += 1;
    }
    const report = await runCase(c, ctx).catch((e: unknown) => driverFailure(e));
    add(report);
    if (report.violations.length === 0) return true;
    if (!failing) shrinkStarted = realTime();
    failing = { c, report };
    return false;
  });
  const details = await fc.check(property, {
    seed,
    numRuns,
    ...(config.replay ? { path: config.replay.path, endOnFailure: true } : {}),
  });
  if (!details.failed || !failing) return { ran: details.numRuns };
  if (config.replay) console.log(failing.report.log.join("\n"));
  // The minimal case again, to tell a reliable reproduction from a lucky interleaving, with its log.
  let reproduced = 0;
  let last = failing.report;
  for (let i = 0; i < config.confirmRuns; i++) {
    const again = await runCase(failing.c, { ...ctx, keepLog: true }).catch((e: unknown) => driverFailure(e));
    if (again.violations.length > 0) {
      reproduced += 1;
      last = again;
    }
  }
  return {
    ran: details.numRuns,
    failure: {
      lane: ctx.lane,
      // What AWS_HA_SOAK_SEED must be for this lane to start from this round's seed.
      seed: (seed - ctx.lane) | 0,
      path: details.counterexamplePath ?? "",
      after: details.numRuns,
      shrinks: details.numShrinks,
      minimal: failing.c,
      violations: failing.report.violations,
      races: failing.report.races,
      reproduced,
      confirmRuns: config.confirmRuns,
      log: last.log,
    },
  };
}

export function formatFigures(f: Figures): string {
  const s = f.statuses;
  return [
    `soak: seed ${f.seed}, ${f.lanes} lanes, ${(f.wallMs / 1000).toFixed(1)} s`,
    `  schedules ${f.schedules} (+${f.shrinkRuns} while shrinking), events ${f.events} (+${f.redelivered} delivered again after faults stopped)`,
    `  faults injected ${f.faults}${f.notInjected ? ` (${f.notInjected} runDir fills not injected: needs root)` : ""}, kills that came too late ${f.killsMissed}`,
    `  transitions: ${s.done} done, ${s.incomplete} incomplete, ${s.failed} failed, ${s.superseded} superseded, ${s.killed} killed, ${s.overran} overran`,
    `  violations ${f.violations}; ${f.races} releases lost a race EC2's API cannot prevent (DeleteRoute/DisassociateAddress have no condition)`,
  ].join("\n");
}

export function formatFailure(x: Failure): string {
  return [
    `lane ${x.lane}: a case broke an invariant after ${x.after} schedules; shrunk ${x.shrinks} times to:`,
    formatCase(x.minimal),
    "broke:",
    ...x.violations.map((v) => `  - ${v.invariant}: ${v.detail} (at ${v.atMs} ms)`),
    ...(x.races.length > 0 ? ["not counted (a release lost a race EC2's API cannot prevent):", ...x.races.map((r) => `  - ${r}`)] : []),
    `reproduced in ${x.reproduced} of ${x.confirmRuns} runs again`,
    `replay: AWS_HA_SOAK_SEED=${x.seed} AWS_HA_SOAK_LANE=${x.lane} AWS_HA_SOAK_PATH=${x.path} npm run test:soak`,
    "log of the last run:",
    ...x.log.map((l) => `  ${l}`),
  ].join("\n");
}

/** The soak itself failed on a case: reported like a violation, so that it is shrunk and printed too. */
function driverFailure(e: unknown): CaseReport {
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  return {
    events: 0,
    redelivered: 0,
    faults: 0,
    killsMissed: 0,
    notInjected: 0,
    statuses: { running: 0, done: 0, incomplete: 0, failed: 0, superseded: 0, killed: 0, overran: 0 },
    violations: [{ invariant: "soak driver failed", detail, atMs: 0 }],
    races: [],
    wallMs: 0,
    log: [],
  };
}

/**
 * A soak that was killed (a CI timeout) cannot clean up: its tmpfs run directories stay mounted
 * under its root, which names its PID. Those of soaks whose process is gone are removed here.
 */
function sweepAbandoned(): void {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1] ?? "");
  for (const name of readdirSync(tmpdir())) {
    const pid = /^aws-ha-soak-(\d+)-/.exec(name)?.[1];
    if (!pid || existsSync(`/proc/${pid}`)) continue;
    const root = join(tmpdir(), name);
    for (const mountPoint of mounts.filter((m) => m.startsWith(`${root}/`)).reverse()) {
      try {
        execFileSync("umount", ["-l", mountPoint], { stdio: "ignore", timeout: 10_000 });
      } catch {
        // not ours to force: left for the operator
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
}

/** A PID that no process has: a child that has exited and been reaped. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8", timeout: 10_000 });
  const pid = Number(child.stdout);
  if (!Number.isSafeInteger(pid) || pid <= 1) throw new Error(`could not learn a dead PID: ${child.stderr}`);
  return pid;
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

export interface ProcessFigures {
  seed: number;
  schedules: number;
  shrinkRuns: number;
  events: number;
  redelivered: number;
  kills: number;
  wallMs: number;
  failure?: { minimal: ProcessCase; violations: Violation[]; path: string; shrinks: number; log: string[] };
}

/** A few schedules of the shipped bundle, some of its processes SIGKILLed; shrunk like the in-process ones. */
export async function soakProcesses(config: SoakConfig): Promise<ProcessFigures> {
  const started = realTime();
  const figures: ProcessFigures = { seed: config.seed, schedules: 0, shrinkRuns: 0, events: 0, redelivered: 0, kills: 0, wallMs: 0 };
  const root = processRoot();
  let failing: { c: ProcessCase; report: ProcessReport } | undefined;
  let shrinkStarted = 0;
  try {
    const property = fc.asyncProperty(processCase(6), async (c) => {
      if (failing) {
        if (realTime() - shrinkStarted > config.shrinkSeconds * 1000) return true;
        figures.shrinkRuns += 1;
      } else figures.schedules += 1;
      const report = await runProcessCase(c, root, config.bundle).catch((e: unknown) => ({ ...driverFailure(e), kills: 0 }));
      figures.events += report.events;
      figures.redelivered += report.redelivered;
      figures.kills += report.kills;
      if (report.violations.length === 0) return true;
      if (!failing) shrinkStarted = realTime();
      failing = { c, report };
      return false;
    });
    const details = await fc.check(property, {
      seed: config.seed,
      numRuns: config.processRuns,
      ...(config.processReplay ? { path: config.processReplay, endOnFailure: true } : {}),
    });
    if (details.failed && failing)
      figures.failure = {
        minimal: failing.c,
        violations: failing.report.violations,
        path: details.counterexamplePath ?? "",
        shrinks: details.numShrinks,
        log: failing.report.log,
      };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  figures.wallMs = realTime() - started;
  return figures;
}

export function formatProcessFigures(f: ProcessFigures): string {
  const lines = [
    `soak of the shipped aws-ha-notify: ${f.schedules} schedules (+${f.shrinkRuns} while shrinking), ${f.events} events (+${f.redelivered} delivered again), ${f.kills} processes SIGKILLed, ${f.failure ? 1 : 0} violations, ${(f.wallMs / 1000).toFixed(1)} s`,
  ];
  if (f.failure)
    lines.push(
      `a case broke an invariant; shrunk ${f.failure.shrinks} times to:`,
      formatProcessCase(f.failure.minimal),
      "broke:",
      ...f.failure.violations.map((v) => `  - ${v.invariant}: ${v.detail} (at ${v.atMs} ms)`),
      `replay: AWS_HA_SOAK_SEED=${f.seed} AWS_HA_SOAK_PROCESS_PATH=${f.failure.path} npm run test:soak`,
      "log:",
      ...f.failure.log.map((l) => `  ${l}`),
    );
  return lines.join("\n");
}
