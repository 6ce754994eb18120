import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { startEc2Server, type Ec2Server } from "../support/ec2-standin/server";
import { startImdsServer, type ImdsServer } from "../support/imds-standin/server";
import { cluster, ids, nodesOf, region, worldSpecFor, type SoakNode } from "./cluster";
import type { Violation } from "./machine-room";
import { acquires, newestWords, type ClusterShape, type NodeLetter, type Word } from "./schedule";

// What an in-process transition cannot show: what a real SIGKILL leaves. The shipped single-file
// aws-ha-notify runs as keepalived runs it, one process per event in a process group of its own,
// on two nodes, against the EC2 and IMDS stand-ins over loopback; some of its processes are
// SIGKILLed (with their group, as keepalived does) at a chosen moment. The hook is a real script
// that takes a while and keeps a journal, so "a command of the killed transition still runs while
// the next one runs its own" is seen as it happens, not modelled.

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
/** The bundle `npm run build` makes; AWS_HA_SOAK_BUNDLE names another (an earlier release, to compare). */
export const builtBundle = join(repoRoot, "bin", "aws-ha-notify");
const markerVariable = "AWS_HA_SOAK_MARKER";
/** How long the hook runs: long enough for the next event's process to start while it still runs. */
const hookSeconds = 1;

/** When keepalived's SIGKILL lands: a fixed time after the start, or as soon as the process's hook runs. */
export type ProcessKill = { afterMs: number } | { inHook: true };

export type ProcessStep =
  { kind: "event"; node: NodeLetter; word: Word; kill?: ProcessKill } | { kind: "wait"; ms: number } | { kind: "quiet" };

export interface ProcessCase {
  holder: NodeLetter | undefined;
  steps: ProcessStep[];
}

const shape = (holder: NodeLetter | undefined): ClusterShape => ({
  nodes: 2,
  manager: "keepalived",
  vip: { release: false },
  eip: { release: false, onVip: true },
  route: { release: false, tables: 1 },
  volume: false,
  hook: true,
  service: true,
  holder,
  attachMs: 5,
  detachMs: 5,
  hookMs: hookSeconds * 1000,
});

export function processCase(maxSteps: number): fc.Arbitrary<ProcessCase> {
  const node = fc.constantFrom<NodeLetter>("A", "B");
  const word = fc.constantFrom<Word>("master", "backup", "master", "backup", "fault", "stop");
  const step: fc.Arbitrary<ProcessStep> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("event" as const), node, word }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("event" as const),
        node,
        word,
        kill: fc.oneof(fc.record({ afterMs: fc.constantFrom(150, 400, 700, 1000) }), fc.constant({ inHook: true as const })),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("wait" as const), ms: fc.constantFrom(50, 200, 500) }) },
    { weight: 1, arbitrary: fc.constant<ProcessStep>({ kind: "quiet" }) },
  );
  return fc
    .record({ holder: fc.option(node, { nil: undefined }), steps: fc.array(step, { minLength: 1, maxLength: maxSteps }) })
    .map((c) => ({ ...c, steps: endWithOneMaster(c) }));
}

function endWithOneMaster(c: ProcessCase): ProcessStep[] {
  const newest = newestWords(
    shape(c.holder),
    c.steps.map((s) => (s.kind === "event" ? { kind: "event", node: s.node, word: s.word } : { kind: "quiet" })),
  );
  const masters = [...newest.entries()].filter(([, w]) => acquires(w.word)).sort((a, b) => a[1].at - b[1].at);
  return [...c.steps, ...masters.slice(0, -1).map(([n]): ProcessStep => ({ kind: "event", node: n, word: "backup" }))];
}

export function formatProcessCase(c: ProcessCase): string {
  const line = (s: ProcessStep): string => {
    if (s.kind === "wait") return `wait ${s.ms}ms`;
    if (s.kind === "quiet") return "wait until quiet";
    if (!s.kill) return `${s.node} ${s.word}`;
    return `kill ${s.node} ${s.word} process ${"afterMs" in s.kill ? `after ${s.kill.afterMs}ms` : "while its hook runs"}`;
  };
  return [
    `cluster: 2 nodes (keepalived), shipped aws-ha-notify: vip, eip on the vip, route, hook (${hookSeconds * 1000}ms), service; ${c.holder ? `${c.holder} holds everything at start` : "nobody holds anything at start"}`,
    ...c.steps.map((s, i) => `  ${String(i + 1).padStart(2)}. ${line(s)}`),
  ].join("\n");
}

export interface ProcessReport {
  events: number;
  redelivered: number;
  kills: number;
  violations: Violation[];
  log: string[];
}

interface Node {
  soak: SoakNode;
  dir: string;
  runDir: string;
  clusterFile: string;
  journal: string;
  serviceFlag: string;
  env: NodeJS.ProcessEnv;
}

interface Spawned {
  node: Node;
  word: Word;
  pid: number;
  killed: boolean;
  exit: Promise<number | null>;
  stderr: () => string;
}

export function bundleMissing(bundle: string): string | undefined {
  return existsSync(bundle) ? undefined : `${bundle} is not built: run npm run build`;
}

export async function runProcessCase(c: ProcessCase, root: string, notifyBundle: string): Promise<ProcessReport> {
  const t0 = Date.now();
  const report: ProcessReport = { events: 0, redelivered: 0, kills: 0, violations: [], log: [] };
  const violate = (invariant: string, detail: string) => {
    report.violations.push({ invariant, detail, atMs: Date.now() - t0 });
    report.log.push(`[${Date.now() - t0} ms] VIOLATION ${invariant}: ${detail}`);
  };
  const dir = mkdtempSync(join(root, "processes-"));
  const marker = randomBytes(6).toString("hex");
  const spawned: Spawned[] = [];
  let ec2: Ec2Server | undefined;
  const imds: ImdsServer[] = [];
  try {
    const sh = shape(c.holder);
    ec2 = await startEc2Server({ spec: worldSpecFor(sh) });
    const world = ec2.world;
    const nodes = new Map<NodeLetter, Node>();
    for (const soak of nodesOf(sh)) {
      const server = await startImdsServer({ instanceId: soak.instanceId, world: () => world });
      imds.push(server);
      nodes.set(soak.letter, writeNode(soak, join(dir, soak.name), sh, marker, ec2.url, server.url));
    }
    if (c.holder) writeFileSync(nodes.get(c.holder)!.serviceFlag, "");

    const start = (node: Node, word: Word, kill?: ProcessKill): Spawned => {
      const child = spawn(process.execPath, [notifyBundle, "--cluster", node.clusterFile, word], {
        env: node.env,
        detached: true,
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
      const run: Spawned = {
        node,
        word,
        pid: child.pid ?? -1,
        killed: false,
        stderr: () => stderr,
        exit: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
      };
      const label = `${node.soak.letter} ${word} (PID ${run.pid})`;
      report.log.push(`[${Date.now() - t0} ms] ${label} started`);
      const limit = setTimeout(() => killGroup(run.pid), 30_000);
      const killNow = () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        run.killed = true;
        report.kills += 1;
        report.log.push(`[${Date.now() - t0} ms] ${label} SIGKILLed with its process group`);
        killGroup(run.pid);
      };
      if (kill && "afterMs" in kill) setTimeout(killNow, kill.afterMs);
      if (kill && "inHook" in kill) {
        const watch = setInterval(() => {
          if (hookStartedBy(node, run.pid)) {
            clearInterval(watch);
            killNow();
          }
        }, 10);
        void run.exit.then(() => clearInterval(watch));
      }
      void run.exit.then((code) => {
        clearTimeout(limit);
        report.log.push(`[${Date.now() - t0} ms] ${label} exited ${code ?? "by a signal"}${code ? `: ${lastLine(stderr)}` : ""}`);
      });
      spawned.push(run);
      return run;
    };
    const quiet = () => Promise.all(spawned.map((s) => s.exit));

    const byStep = new Map<number, Spawned>();
    for (const [i, s] of c.steps.entries()) {
      if (s.kind === "event") {
        byStep.set(i, start(nodes.get(s.node)!, s.word, s.kill));
        report.events += 1;
      } else if (s.kind === "wait") await sleep(s.ms);
      else await quiet();
    }
    await quiet();

    // Each node's newest event again where it did not complete; releases first.
    const newest = newestWords(
      sh,
      c.steps.map((s) => (s.kind === "event" ? { kind: "event", node: s.node, word: s.word } : { kind: "quiet" })),
    );
    const again: { node: Node; word: Word }[] = [];
    for (const [letter, { word, at }] of newest) {
      const run = byStep.get(at);
      const code = run ? await run.exit : 0;
      const overtaken = acquires(word) && spawned.some((o) => o.node !== nodes.get(letter) && acquires(o.word));
      if (run?.killed || code !== 0 || overtaken) again.push({ node: nodes.get(letter)!, word });
    }
    report.redelivered = again.length;
    for (const phase of [false, true]) {
      const batch = again.filter((a) => acquires(a.word) === phase).map((a) => start(a.node, a.word));
      for (const r of batch) {
        const code = await r.exit;
        if (code !== 0)
          violate(
            "re-run did not converge",
            `${r.node.soak.letter} ${r.word}, delivered again after the kills, exited ${code}: ${lastLine(r.stderr())}`,
          );
      }
    }

    const master = [...newest.entries()].find(([, w]) => acquires(w.word))?.[0];
    for (const f of processConvergence(ec2, [...nodes.values()], master)) violate("did not converge", f);

    // What a SIGKILL leaves (its lock, its commands) must not outlast the next event: where some is
    // left, the node's newest event once more, which must complete and take it away.
    for (const node of nodes.values()) {
      const debris = [...lockDebris(node), ...runningHooks(node).map((h) => `hook ${h.phase} (PID ${h.pid})`)];
      if (debris.length === 0) continue;
      const word = newest.get(node.soak.letter)!.word;
      const probe = start(node, word);
      report.redelivered += 1;
      const code = await probe.exit;
      if (code !== 0)
        violate(
          "stale lock blocks the next event",
          `${node.soak.letter} ${word}, delivered with ${debris.join(", ")} left, exited ${code}: ${lastLine(probe.stderr())}`,
        );
      const locks = lockDebris(node);
      if (locks.length > 0)
        violate("lock left behind", `${node.soak.name}'s run directory still has ${locks.join(", ")} after its next event ended`);
      for (const h of runningHooks(node))
        violate(
          "command still running",
          `on ${node.soak.name}, hook ${h.phase} (PID ${h.pid}) of a killed transition still runs after the next event ended`,
        );
    }
    for (const node of nodes.values()) {
      for (const line of journalOf(node))
        report.log.push(
          `[${Math.round(Number(line.at / 1_000_000n) - t0)} ms] ${node.soak.name} hook ${line.phase} (PID ${line.pid}) ${line.what}`,
        );
      for (const f of overlaps(node)) violate(f.invariant, f.detail);
    }
    return report;
  } finally {
    for (const s of spawned) killGroup(s.pid);
    await endMarked(marker);
    await Promise.all(imds.map((s) => s.close()));
    await ec2?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeNode(soak: SoakNode, dir: string, sh: ClusterShape, marker: string, ec2Url: string, imdsUrl: string): Node {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const node: Node = {
    soak,
    dir,
    runDir: join(dir, "run"),
    clusterFile: join(dir, "cluster.json"),
    journal: join(dir, "hook.journal"),
    serviceFlag: join(dir, "service.running"),
    env: {
      PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
      HOME: dir,
      AWS_ENDPOINT_URL_EC2: ec2Url,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imdsUrl,
      AWS_ACCESS_KEY_ID: "AKIASOAKPROCESSES001",
      AWS_SECRET_ACCESS_KEY: "soak-standin-secret",
      AWS_REGION: region,
      AWS_HA_SYSLOG: "off",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      [markerVariable]: marker,
    },
  };
  const hook = join(dir, "hook.sh");
  const service = join(dir, "service.sh");
  // Each run of the hook leaves "start", then "end" (or "terminated" when stopped): a nanosecond
  // stamp, its PID, and its parent's PID (the aws-ha-notify process that ran it).
  writeFileSync(
    hook,
    `#!/bin/sh
stamp() { echo "$(date +%s%N) $$ $1 $2 $PPID" >> '${node.journal}'; }
stamp "$1" start
trap 'stamp "$1" terminated; exit 143' TERM
sleep ${hookSeconds} &
wait $!
stamp "$1" end
`,
    { mode: 0o755 },
  );
  writeFileSync(
    service,
    `#!/bin/sh
case "$1" in
  start) touch '${node.serviceFlag}' ;;
  stop) rm -f '${node.serviceFlag}' ;;
  status) [ -e '${node.serviceFlag}' ] && exit 0; exit 3 ;;
  *) exit 2 ;;
esac
`,
    { mode: 0o755 },
  );
  const nodes = nodesOf(sh).map(({ name, address, instanceId, interface: iface, priority }) => ({
    name,
    address,
    instanceId,
    interface: iface,
    priority,
  }));
  const description = {
    cluster,
    manager: "keepalived",
    region,
    nodes,
    resources: [
      { kind: "vip", name: "vip", address: ids.vip, prefix: 24 },
      { kind: "eip", name: "eip", allocationId: ids.allocationId, publicIp: ids.publicIp, privateAddress: ids.vip },
      { kind: "route", name: "overlay", address: ids.overlay, routeTables: [ids.routeTables[0]] },
      { kind: "hook", name: "promote", acquire: [hook, "acquire"], release: [hook, "release"], timeout: 5 },
      { kind: "service", name: "app", initScript: service },
    ],
    keepalived: { virtualRouterId: 51 },
    timeouts: { transition: 15, request: 2, connect: 1, metadata: 1, volume: 5 },
    paths: { runDir: node.runDir, byIdDir: join(dir, "by-id"), notify: process.execPath, historyDir: join(node.runDir, "history") },
  };
  writeFileSync(node.clusterFile, JSON.stringify(description, null, 2), { mode: 0o644 });
  return node;
}

function hookStartedBy(node: Node, pid: number): boolean {
  return (
    existsSync(node.journal) &&
    readFileSync(node.journal, "utf8")
      .split("\n")
      .some((l) => l.endsWith(` start ${pid}`))
  );
}

interface JournalLine {
  at: bigint;
  pid: string;
  phase: string;
  what: string;
}

function journalOf(node: Node): JournalLine[] {
  if (!existsSync(node.journal)) return [];
  return readFileSync(node.journal, "utf8")
    .split("\n")
    .flatMap((line) => {
      const [at, pid, phase, what] = line.split(" ");
      return at && pid && phase && what ? [{ at: BigInt(at), pid, phase, what }] : [];
    });
}

interface HookRun {
  pid: string;
  phase: string;
  start: bigint;
  end: bigint | undefined;
}

function hookRuns(node: Node): HookRun[] {
  const runs = new Map<string, HookRun>();
  for (const line of journalOf(node)) {
    if (line.what === "start") runs.set(line.pid, { pid: line.pid, phase: line.phase, start: line.at, end: undefined });
    else {
      const run = runs.get(line.pid);
      if (run) run.end = line.at;
    }
  }
  return [...runs.values()].sort((a, b) => (a.start < b.start ? -1 : 1));
}

/** Hook runs that never wrote their end and whose process is still there. */
function runningHooks(node: Node): HookRun[] {
  return hookRuns(node).filter((r) => r.end === undefined && existsSync(`/proc/${r.pid}`));
}

function lockDebris(node: Node): string[] {
  return existsSync(node.runDir) ? readdirSync(node.runDir).filter((n) => /lock/i.test(n)) : [];
}

/** Hook runs on one node never overlap: none starts while one of an earlier transition still runs. */
function overlaps(node: Node): { invariant: string; detail: string }[] {
  const sorted = hookRuns(node);
  const findings: { invariant: string; detail: string }[] = [];
  for (const [i, later] of sorted.entries())
    for (const earlier of sorted.slice(0, i))
      if (earlier.end === undefined || earlier.end > later.start)
        findings.push({
          invariant: "commands of two transitions at once",
          detail: `on ${node.soak.name}, hook ${later.phase} (PID ${later.pid}) started while hook ${earlier.phase} (PID ${earlier.pid}) of an earlier transition still ran`,
        });
  return findings;
}

function processConvergence(ec2: Ec2Server, nodes: readonly Node[], master: NodeLetter | undefined): string[] {
  const wrong: string[] = [];
  const world = ec2.world;
  const nameOf = (eni: string | undefined) => nodes.find((n) => n.soak.networkInterfaceId === eni)?.soak.name ?? eni ?? "nobody";
  const m = nodes.find((n) => n.soak.letter === master);
  if (m) {
    const eni = m.soak.networkInterfaceId;
    const vip = world.holderOf(ids.vip)?.networkInterfaceId;
    if (vip !== eni) wrong.push(`vip is on ${nameOf(vip)}, wanted on ${m.soak.name}`);
    const eip = world.addresses.get(ids.allocationId)?.association;
    if (eip?.networkInterfaceId !== eni || eip.privateIp !== ids.vip)
      wrong.push(`eip points at ${eip?.privateIp ?? "nothing"} on ${nameOf(eip?.networkInterfaceId)}`);
    const route = world.routeTables.get(ids.routeTables[0])?.routes.find((r) => r.destinationCidrBlock === `${ids.overlay}/32`);
    if (route?.networkInterfaceId !== eni) wrong.push(`route goes to ${nameOf(route?.networkInterfaceId)}, wanted ${m.soak.name}`);
  }
  for (const n of nodes) {
    const running = existsSync(n.serviceFlag);
    if (n === m && !running) wrong.push(`service is not running on ${n.soak.name}, whose newest event is master`);
    if (n !== m && running) wrong.push(`service still runs on ${n.soak.name}, whose newest event releases`);
  }
  return wrong;
}

function killGroup(pid: number): void {
  if (pid <= 1) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // gone already
  }
}

/** Ends every process that carries this case's marker (hooks and workers included), by PID. */
async function endMarked(marker: string): Promise<void> {
  const needle = `\0${markerVariable}=${marker}\0`;
  for (let round = 0; round < 20; round++) {
    const found: number[] = [];
    for (const name of await readdir("/proc")) {
      if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
      const environ = await readFile(`/proc/${name}/environ`, "utf8").catch(() => "");
      if (`\0${environ}\0`.includes(needle)) found.push(Number(name));
    }
    if (found.length === 0) return;
    for (const pid of found) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    await sleep(50);
  }
}

function lastLine(text: string): string {
  return text.trim().split("\n").pop() ?? "";
}

export const processRoot = (): string => mkdtempSync(join(tmpdir(), `aws-ha-soak-${process.pid}-processes-`));
