import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ClusterDescription } from "../../src/cluster/schema";
import { createEc2Client } from "../../src/cloud/ec2-client";
import { SdkEc2 } from "../../src/cloud/ec2-sdk";
import { errorText, formatText, Logger, type LogRecord } from "../../src/log";
import { runTransition, type TransitionReport, type Ports } from "../../src/transition/runner";
import { transitionFor } from "../../src/cli/notify/keepalived-words";
import { startEc2Server, type Ec2Server } from "../support/ec2-standin/server";
import {
  cluster,
  descriptionFor,
  ids,
  managesLocalAddresses,
  nodesOf,
  region,
  worldSpecFor,
  type SoakNode,
  type SoakTimeouts,
} from "./cluster";
import { accessKeyFor, type FrontDoor } from "./front-door";
import { convergenceFindings, safetyFindings } from "./invariants";
import { forget, handLocksTo, KillSwitch, ownerRecords, type OwnerRecord } from "./kill-switch";
import { MachineRoom, type NodeMachine, type Violation } from "./machine-room";
import { NodeImds } from "./node-imds";
import { formatRace, judgeLoss, observeCalls } from "./release-race";
import { RunDir } from "./run-dir";
import { acquires, newestWords, type FaultStep, type Kill, type NodeLetter, type SoakCase, type Step, type Word } from "./schedule";
import { NodeClock, onNode, realTime } from "./wall-clock";

// Runs one soak case in this process: a fresh EC2 stand-in, one machine, IMDS, clock and run
// directory per node, and every event a real runTransition with the real SDK over loopback HTTP.
// Steps run in order; an event starts its transition and does not wait for it, so transitions on
// different nodes (and on the same node) overlap. After the last step: wait for quiet, stop every
// fault, deliver again each node's newest event if it did not complete (or another node's acquire
// overtook it), and check that the cluster converged.

export interface LaneContext {
  lane: number;
  frontDoor: FrontDoor;
  /** Where the case's directories go. */
  root: string;
  timeouts: SoakTimeouts;
  /** A PID no process has (the owner of a killed transition's lock). */
  deadPid: number;
  /** The PID of an unrelated live process (a killed owner's PID, reused). */
  reusedPid: number;
  canMountTmpfs: boolean;
  /** Keep every log line of the case (for printing a failing case). */
  keepLog: boolean;
}

export type RunStatus = "running" | "done" | "incomplete" | "failed" | "superseded" | "killed" | "overran";

export interface CaseReport {
  /** Events the schedule delivered. */
  events: number;
  /** Newest events delivered again after the schedule. */
  redelivered: number;
  /** Fault steps, kills that happened, clock steps and filled run directories. */
  faults: number;
  killsMissed: number;
  notInjected: number;
  statuses: Record<RunStatus, number>;
  violations: Violation[];
  /** Releases that lost a race EC2's API cannot prevent: not violations (release-race.ts). */
  races: string[];
  wallMs: number;
  log: string[];
}

interface Run {
  id: number;
  node: SimNode;
  word: Word;
  /** Step index, or -1 for a delivery after the schedule. */
  step: number;
  started: number;
  ended: number | undefined;
  inside: boolean;
  /** The lock records naming this process when the transition took the lock. */
  held: OwnerRecord[];
  status: RunStatus;
  errors: string[];
  gate: KillSwitch;
  finished: Promise<void>;
}

interface SimNode {
  node: SoakNode;
  description: ClusterDescription;
  runDir: RunDir;
  clock: NodeClock;
  machine: NodeMachine;
}

// Generous: a loaded machine delays timers and file system calls by a second or more, while a deadline
// measured on a stepped wall clock overruns by the step (a minute or an hour).
const graceMs = 6000;

export async function runCase(c: SoakCase, ctx: LaneContext): Promise<CaseReport> {
  const t0 = realTime();
  const since = () => realTime() - t0;
  const dir = mkdtempSync(join(ctx.root, `lane${ctx.lane}-`));
  const report: CaseReport = {
    events: 0,
    redelivered: 0,
    faults: 0,
    killsMissed: 0,
    notInjected: 0,
    statuses: { running: 0, done: 0, incomplete: 0, failed: 0, superseded: 0, killed: 0, overran: 0 },
    violations: [],
    races: [],
    wallMs: 0,
    log: [],
  };
  const seen = new Set<string>();
  const violate = (invariant: string, detail: string) => {
    if (seen.has(`${invariant}|${detail}`)) return;
    seen.add(`${invariant}|${detail}`);
    report.violations.push({ invariant, detail, atMs: since() });
    report.log.push(`[${since()} ms] VIOLATION ${invariant}: ${detail}`);
  };
  const log = new Logger([
    {
      write: (r: LogRecord) => {
        if (ctx.keepLog) report.log.push(`[${since()} ms] ${formatText(r)}`);
      },
      close: async () => undefined,
    },
  ]);

  const shape = c.cluster;
  const fillable = new Set(c.steps.flatMap((s) => (s.kind === "run-dir-full" ? [s.node] : [])));
  let server: Ec2Server | undefined;
  const nodes = new Map<NodeLetter, SimNode>();
  const runs: Run[] = [];
  try {
    server = await startEc2Server({ spec: worldSpecFor(shape) });
    ctx.frontDoor.route(ctx.lane, server.url);
    const ec2 = server;
    const observed = observeCalls(ec2, { cidr: `${ids.overlay}/32`, allocationId: ids.allocationId }, since);
    const room = new MachineRoom(ec2.world, violate, { hookMs: shape.hookMs, volumeId: shape.volume ? ids.volumeId : undefined });
    for (const node of nodesOf(shape)) {
      const runDir = RunDir.create(join(dir, node.name), fillable.has(node.letter) && ctx.canMountTmpfs);
      const machine = room.add(node);
      if (shape.holder === node.letter)
        machine.holdEverything(
          {
            volume: shape.volume,
            service: shape.service,
            localAddresses: managesLocalAddresses(shape) ? [...(shape.vip ? [ids.vip] : []), ...(shape.route ? [ids.overlay] : [])] : [],
          },
          ids.mountPoint,
          ids.unit,
        );
      nodes.set(node.letter, {
        node,
        description: descriptionFor(shape, runDir.path, ctx.timeouts),
        runDir,
        clock: new NodeClock(),
        machine,
      });
    }

    let nextId = 1;
    const start = (sim: SimNode, word: Word, step: number, kill?: Kill): Run => {
      const id = nextId++;
      const letter = sim.node.letter;
      const label = `${letter} ${word} (#${id})`;
      let ended: () => void = () => undefined;
      const end = (status: RunStatus, errors: string[] = []) => {
        clearTimeout(watchdog);
        // A kill still needs the lock records it held; every other ending is done with them.
        if (status !== "killed" && status !== "overran") forget(run.held);
        run.status = status;
        run.errors = errors;
        run.ended = since();
        report.log.push(`[${since()} ms] ${label}: ${status}${errors.length ? ` (${errors.join("; ")})` : ""}`);
      };
      let overran = false;
      const gate = new KillSwitch(
        kill?.atCall,
        () => {
          end(overran ? "overran" : "killed");
          if (!overran) report.faults += 1;
          // What a SIGKILL leaves: once the requests already sent have landed, the lock names a dead owner.
          void gate.drained.then(() => {
            const files = handLocksTo(run.held, kill?.pidReused ? ctx.reusedPid : ctx.deadPid);
            forget(run.held);
            if (run.inside && files.length === 0)
              violate(
                "lock taken from a live holder",
                `${label} was killed holding the lock, but the lock record it took is gone: another transition removed or replaced it while it ran`,
              );
            ended();
          });
        },
        (method, args) => {
          // "A volume is never detached while mounted here": judged when the call goes out.
          if (method === "detachVolume" && args[2] === false) {
            const holder = room.byInstance(String(args[1]));
            if (holder?.mountedVolumes().includes(String(args[0])))
              violate("volume detached under a mount", `${label} detached ${String(args[0])} from ${holder.node.name} while mounted there`);
          }
        },
      );
      const run: Run = {
        id,
        node: sim,
        word,
        step,
        started: since(),
        ended: undefined,
        inside: false,
        held: [],
        status: "running",
        errors: [],
        gate,
        finished: new Promise<void>((resolve) => (ended = resolve)),
      };
      const world: Ports = {
        description: sim.description,
        imds: gate.wrap(new NodeImds(ec2.world, sim.node.instanceId), ["identity"]),
        ec2: (identity, deadline) => {
          enter(run, label);
          const settings = {
            region: sim.description.region ?? identity.region,
            timeouts: sim.description.timeouts,
            credentials: { accessKeyId: accessKeyFor(ctx.lane, letter), secretAccessKey: "soak-standin-secret" },
          };
          const client = createEc2Client(settings);
          const singleAttempt = createEc2Client({ ...settings, maxAttempts: 1 });
          return gate.wrap(
            new SdkEc2(
              client,
              () => deadline.signal(),
              () => singleAttempt,
            ),
          );
        },
        host: gate.wrap(sim.machine.hostFor(id)),
        log: log.child({ node: letter, run: id }),
      };
      const watchdog = setTimeout(
        () => {
          if (run.status !== "running") return;
          violate("transition outlived its deadline", `${label} still ran ${ctx.timeouts.transition * 1000 + graceMs} ms after it started`);
          overran = true;
          run.gate.kill();
        },
        ctx.timeouts.transition * 1000 + graceMs,
      );
      // A done transition has ended once its lock is given back (report.settled), as a front end waits for.
      onNode(sim.clock, () =>
        runTransition(world, transitionFor(word)!).then(async (r) => {
          if (r.status === "done") await r.settled;
          return r;
        }),
      ).then(
        (r: TransitionReport) => {
          if (run.gate.killed) return;
          if (r.status === "superseded") end("superseded");
          else if (r.status === "done") {
            const failed = r.results.filter((x) => x.error !== undefined).map((x) => `${x.step.resource.name}: ${errorText(x.error)}`);
            end(failed.length === 0 ? "done" : "incomplete", failed);
          } else end("failed", [`unexpected report ${r.status}`]);
          ended();
        },
        (e: unknown) => {
          if (run.gate.killed) return;
          end("failed", [errorText(e)]);
          ended();
        },
      );
      runs.push(run);
      return run;
    };

    /** The transition took the node's lock: no other live transition of the node may be inside it. */
    const enter = (run: Run, label: string) => {
      run.inside = true;
      run.held = ownerRecords(run.node.runDir.path);
      const other = runs.find((o) => o !== run && o.node === run.node && o.inside && o.status === "running" && !o.gate.killed);
      if (other)
        violate(
          "two transitions inside one node's lock",
          `${label} started while ${other.node.node.letter} ${other.word} (#${other.id}) still ran`,
        );
    };

    /** Every transition started so far has ended: finished, failed, or killed and its kill carried out. */
    const quiet = async () => {
      await Promise.all(runs.map((r) => r.finished));
    };

    const check = () => {
      for (const f of safetyFindings(ec2.world, room, shape)) violate(f.invariant, f.detail);
    };

    const doStep = async (s: Step, index: number) => {
      switch (s.kind) {
        case "event": {
          const run = start(nodes.get(s.node)!, s.word, index, s.kill);
          report.events += 1;
          if (s.kill) void run.finished.then(() => (run.status === "killed" ? undefined : (report.killsMissed += 1)));
          return;
        }
        case "wait":
          if (s.ms === 0) await new Promise((r) => setImmediate(r));
          else await sleep(s.ms);
          return;
        case "quiet":
          await quiet();
          return;
        case "fault":
          ec2.faults.inject(toStandinFault(s.fault));
          report.faults += 1;
          return;
        case "faults-cleared":
          ec2.faults.clear();
          return;
        case "clock":
          nodes.get(s.node)!.clock.step(s.seconds);
          report.faults += 1;
          return;
        case "run-dir-full":
          if (nodes.get(s.node)!.runDir.fill()) report.faults += 1;
          else report.notInjected += 1;
          return;
        case "run-dir-freed":
          nodes.get(s.node)!.runDir.free();
          return;
      }
    };

    for (const [index, s] of c.steps.entries()) {
      await doStep(s, index);
      check();
    }

    // Events stop. Whatever is still in flight ends (or overruns its deadline and is stopped).
    await quiet();
    check();
    ec2.faults.clear();
    for (const sim of nodes.values()) sim.runDir.free();

    // The newest event of each node, and whether it has to be delivered again.
    const newest = newestWords(shape, c.steps);
    const again: { sim: SimNode; word: Word }[] = [];
    for (const [letter, { word, at }] of newest) {
      const sim = nodes.get(letter)!;
      // Before the schedule (at -1) the node was told its word and did it.
      const run = at < 0 ? undefined : runs.find((r) => r.step === at)!;
      if (run?.status === "superseded") {
        violate("newest event skipped", `${letter} ${word}, the newest event of ${sim.node.name}, was skipped as superseded`);
        continue;
      }
      // Nodes act on their own events only: an older acquire of another node that finished after this
      // node's acquire took the resources away, and only delivering the newest event again brings them back.
      const overtaken =
        acquires(word) && runs.some((o) => o.node !== sim && acquires(o.word) && o.inside && (o.ended ?? Infinity) > (run?.started ?? 0));
      if ((run && run.status !== "done") || overtaken) again.push({ sim, word });
    }
    report.redelivered = again.length;
    // Releases first: an acquire would otherwise wait out the peer's release of the volume.
    for (const phase of [false, true]) {
      const batch = again.filter((a) => acquires(a.word) === phase).map((a) => start(a.sim, a.word, -1));
      await Promise.all(batch.map((r) => r.finished));
      for (const r of batch)
        if (r.status !== "done")
          violate(
            "re-run did not converge",
            `${r.node.node.letter} ${r.word}, delivered again after faults stopped, ended ${r.status}${r.errors.length ? `: ${r.errors.join("; ")}` : ""}`,
          );
    }
    await quiet();
    check();

    const master = [...newest.entries()].find(([, w]) => acquires(w.word))?.[0];
    const masterNode = master ? nodes.get(master)!.node : undefined;
    for (const f of convergenceFindings(ec2.world, room, shape, nodesOf(shape), masterNode)) {
      if (!f.gone || !masterNode) {
        violate(f.invariant, f.detail);
        continue;
      }
      // Held by nobody: a defect, unless a release with no condition EC2 could check raced the takeover.
      const verdict = judgeLoss(observed.calls, observed.initial, f.gone, masterNode, nodesOf(shape));
      if ("why" in verdict) {
        violate(f.invariant, `${f.detail}; not a lost race: ${verdict.why}`);
        continue;
      }
      report.races.push(formatRace(verdict.race));
      report.log.push(`[${since()} ms] RACE lost by a release, not counted as a violation: ${formatRace(verdict.race)}`);
    }
    // A kill leaves its lock behind, naming a dead owner; it must not outlast the next event. Where
    // one is left, the node's newest event once more: it must complete, and take the debris away.
    const lockDebris = (sim: SimNode) => readdirSync(sim.runDir.path).filter((n) => /lock/i.test(n));
    for (const sim of nodes.values()) {
      const debris = lockDebris(sim);
      if (debris.length === 0) continue;
      const word = newest.get(sim.node.letter)!.word;
      const probe = start(sim, word, -1);
      report.redelivered += 1;
      await probe.finished;
      if (probe.status !== "done")
        violate(
          "stale lock blocks the next event",
          `${sim.node.letter} ${word}, delivered with ${debris.join(", ")} left in the run directory, ended ${probe.status}${probe.errors.length ? `: ${probe.errors.join("; ")}` : ""}`,
        );
      const left = lockDebris(sim);
      if (left.length > 0)
        violate("lock left behind", `${sim.node.name}'s run directory still has ${left.join(", ")} after its next event ended`);
    }
    return report;
  } finally {
    for (const r of runs) {
      report.statuses[r.status] += 1;
      if (r.status === "running") r.gate.kill();
      forget(r.held);
    }
    ctx.frontDoor.route(ctx.lane, undefined);
    await server?.close();
    for (const sim of nodes.values()) {
      try {
        sim.runDir.remove();
      } catch (e) {
        report.log.push(`cleanup of ${sim.runDir.path}: ${(e as Error).message}`);
      }
    }
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    report.wallMs = realTime() - t0;
  }
}

function toStandinFault(f: FaultStep) {
  switch (f.kind) {
    case "throttle":
      return { kind: "throttle" as const, action: f.action, count: f.count };
    case "server-error":
      return { kind: "server-error" as const, action: f.action, count: f.count, code: f.code };
    case "latency":
      return { kind: "latency" as const, ms: f.ms, ...(f.action ? { action: f.action } : {}) };
    case "deny":
      return { kind: "deny" as const, actions: [f.action] };
  }
}

export { cluster, region };
