import fc from "fast-check";

// A soak case: the shape of a cluster and a schedule of steps thrown at it. Everything that varies
// between runs is in here as plain data, so fast-check can generate it from a seed, shrink it to a
// minimal failing case, and print it as lines an engineer reads like a scenario:
//
//   A master
//   fault throttle AssociateAddress x2
//   kill B mid-release (backup, at its 3rd call)
//   clock step A -60s
//   runDir full A

export const nodeLetters = ["A", "B", "C"] as const;
export type NodeLetter = (typeof nodeLetters)[number];

/** keepalived's words; master acquires, the others release. */
export type Word = "master" | "backup" | "fault" | "stop";
export const acquires = (word: Word): boolean => word === "master";

export type Manager = "keepalived" | "heartbeat" | "pacemaker";

export interface ClusterShape {
  nodes: 2 | 3;
  /** Heartbeat runs exactly two nodes; with three it becomes pacemaker. */
  manager: Manager;
  vip?: { release: boolean };
  /** onVip: the Elastic IP points at the VIP's address (and follows it); otherwise at each node's own address. */
  eip?: { release: boolean; onVip: boolean };
  route?: { release: boolean; tables: 1 | 2 };
  volume: boolean;
  hook: boolean;
  service: boolean;
  /** The node that holds everything when the schedule starts, or none. */
  holder: NodeLetter | undefined;
  /** How long the EC2 stand-in takes to attach and to detach a volume. */
  attachMs: number;
  detachMs: number;
  /** How long a hook command runs. */
  hookMs: number;
}

export type Ec2Action =
  | "AssignPrivateIpAddresses"
  | "UnassignPrivateIpAddresses"
  | "AssociateAddress"
  | "DisassociateAddress"
  | "ReplaceRoute"
  | "CreateRoute"
  | "DeleteRoute"
  | "AttachVolume"
  | "DetachVolume"
  | "ModifyNetworkInterfaceAttribute"
  | "DescribeNetworkInterfaces"
  | "DescribeAddresses"
  | "DescribeRouteTables"
  | "DescribeVolumes";

export const ec2Actions: readonly Ec2Action[] = [
  "AssignPrivateIpAddresses",
  "UnassignPrivateIpAddresses",
  "AssociateAddress",
  "DisassociateAddress",
  "ReplaceRoute",
  "CreateRoute",
  "DeleteRoute",
  "AttachVolume",
  "DetachVolume",
  "ModifyNetworkInterfaceAttribute",
  "DescribeNetworkInterfaces",
  "DescribeAddresses",
  "DescribeRouteTables",
  "DescribeVolumes",
];

export type FaultStep =
  | { kind: "throttle"; action: Ec2Action; count: number }
  | { kind: "server-error"; action: Ec2Action; count: number; code: "InternalError" | "Unavailable" }
  | { kind: "latency"; action: Ec2Action | undefined; ms: number }
  | { kind: "deny"; action: Ec2Action };

export interface Kill {
  /** The transition dies just before its n-th call to EC2, the host or IMDS after taking the lock. */
  atCall: number;
  /** Another, unrelated process has the dead owner's PID by the time the next event looks. */
  pidReused: boolean;
}

export type Step =
  | { kind: "event"; node: NodeLetter; word: Word; kill?: Kill }
  | { kind: "wait"; ms: number }
  /** Wait until no transition is in flight. */
  | { kind: "quiet" }
  | { kind: "fault"; fault: FaultStep }
  | { kind: "faults-cleared" }
  /** The node's wall clock jumps (NTP step, a VM resumed): later processes there see the new time. */
  | { kind: "clock"; node: NodeLetter; seconds: number }
  | { kind: "run-dir-full"; node: NodeLetter }
  | { kind: "run-dir-freed"; node: NodeLetter };

export interface SoakCase {
  cluster: ClusterShape;
  steps: Step[];
}

export interface StepKinds {
  kills: boolean;
  clock: boolean;
  runDirFull: boolean;
  faults: boolean;
}

export const allStepKinds: StepKinds = { kills: true, clock: true, runDirFull: true, faults: true };

// ---- generation -------------------------------------------------------------------------------

const letter = fc.constantFrom(...nodeLetters);

const clusterShape: fc.Arbitrary<ClusterShape> = fc
  .record({
    nodes: fc.constantFrom<2 | 3>(2, 3),
    manager: fc.constantFrom<Manager>("keepalived", "heartbeat", "pacemaker"),
    vip: fc.option(fc.record({ release: fc.boolean() }), { nil: undefined }),
    eip: fc.option(fc.record({ release: fc.boolean(), onVip: fc.boolean() }), { nil: undefined }),
    route: fc.option(fc.record({ release: fc.boolean(), tables: fc.constantFrom<1 | 2>(1, 2) }), { nil: undefined }),
    volume: fc.boolean(),
    hook: fc.boolean(),
    service: fc.boolean(),
    holder: fc.option(letter, { nil: undefined }),
    attachMs: fc.constantFrom(1, 5, 40),
    detachMs: fc.constantFrom(1, 5, 40),
    hookMs: fc.constantFrom(0, 5, 30),
  })
  .map((s) => normaliseShape(s));

/** Keeps a shape valid for the product's own checks: heartbeat has two nodes, an EIP on the VIP needs the VIP. */
function normaliseShape(s: ClusterShape): ClusterShape {
  const shape: ClusterShape = { ...s };
  if (shape.nodes === 3 && shape.manager === "heartbeat") shape.manager = "pacemaker";
  if (shape.eip?.onVip && !shape.vip) shape.eip = { ...shape.eip, onVip: false };
  if (shape.holder !== undefined && nodeLetters.indexOf(shape.holder) >= shape.nodes) shape.holder = "A";
  return shape;
}

const word = fc.constantFrom<Word>("master", "backup", "master", "backup", "fault", "stop");

const fault: fc.Arbitrary<FaultStep> = fc.oneof(
  fc.record({ kind: fc.constant("throttle" as const), action: fc.constantFrom(...ec2Actions), count: fc.integer({ min: 1, max: 2 }) }),
  fc.record({
    kind: fc.constant("server-error" as const),
    action: fc.constantFrom(...ec2Actions),
    count: fc.integer({ min: 1, max: 3 }),
    code: fc.constantFrom<"InternalError" | "Unavailable">("InternalError", "Unavailable"),
  }),
  fc.record({
    kind: fc.constant("latency" as const),
    action: fc.option(fc.constantFrom(...ec2Actions), { nil: undefined }),
    ms: fc.constantFrom(5, 20, 60),
  }),
  fc.record({ kind: fc.constant("deny" as const), action: fc.constantFrom(...ec2Actions) }),
);

function step(kinds: StepKinds): fc.Arbitrary<Step> {
  const choices: fc.WeightedArbitrary<Step>[] = [
    { weight: 48, arbitrary: fc.record({ kind: fc.constant("event" as const), node: letter, word }) },
    { weight: 12, arbitrary: fc.record({ kind: fc.constant("wait" as const), ms: fc.constantFrom(0, 5, 20, 60, 200) }) },
    { weight: 4, arbitrary: fc.constant<Step>({ kind: "quiet" }) },
  ];
  if (kinds.faults)
    choices.push(
      { weight: 9, arbitrary: fault.map((f): Step => ({ kind: "fault", fault: f })) },
      { weight: 2, arbitrary: fc.constant<Step>({ kind: "faults-cleared" }) },
    );
  if (kinds.kills)
    choices.push({
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant("event" as const),
        node: letter,
        word,
        kill: fc.record({ atCall: fc.integer({ min: 1, max: 10 }), pidReused: fc.boolean() }),
      }),
    });
  if (kinds.clock)
    choices.push({
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant("clock" as const), node: letter, seconds: fc.constantFrom(-3600, -60, -1, 1, 60) }),
    });
  if (kinds.runDirFull)
    choices.push(
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("run-dir-full" as const), node: letter }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("run-dir-freed" as const), node: letter }) },
    );
  return fc.oneof(...choices);
}

/** A cluster and a schedule, ending with at most one node whose newest event acquires. */
export function soakCase(kinds: StepKinds = allStepKinds, maxSteps = 16): fc.Arbitrary<SoakCase> {
  return fc
    .record({ cluster: clusterShape, steps: fc.array(step(kinds), { minLength: 1, maxLength: maxSteps, size: "max" }) })
    .map(({ cluster, steps }) => ({ cluster, steps: endWithOneMaster(cluster, onNodesOf(cluster, steps)) }));
}

/** Steps naming node C in a two-node cluster go to node B instead. */
function onNodesOf(cluster: ClusterShape, steps: Step[]): Step[] {
  const fit = (n: NodeLetter): NodeLetter => (nodeLetters.indexOf(n) < cluster.nodes ? n : nodeLetters[cluster.nodes - 1]!);
  return steps.map((s) => ("node" in s ? { ...s, node: fit(s.node) } : s));
}

/**
 * VRRP ends a split brain with one master: when several nodes' newest events acquire, every one but
 * the last to be told becomes backup. Without this, "converged" would have no meaning.
 */
function endWithOneMaster(cluster: ClusterShape, steps: Step[]): Step[] {
  const newest = newestWords(cluster, steps);
  const masters = [...newest.entries()].filter(([, w]) => acquires(w.word)).sort((a, b) => a[1].at - b[1].at);
  const extra: Step[] = masters.slice(0, -1).map(([node]) => ({ kind: "event", node, word: "backup" }));
  return [...steps, ...extra];
}

/**
 * Each node's newest event: the last one the schedule delivers to it, or what it was told before the
 * schedule began (the holder was master, the others backup). `at` is the step index (-1 before).
 */
export function newestWords(cluster: ClusterShape, steps: readonly Step[]): Map<NodeLetter, { word: Word; at: number }> {
  const newest = new Map<NodeLetter, { word: Word; at: number }>();
  for (const n of nodeLetters.slice(0, cluster.nodes)) newest.set(n, { word: cluster.holder === n ? "master" : "backup", at: -1 });
  steps.forEach((s, at) => {
    if (s.kind === "event") newest.set(s.node, { word: s.word, at });
  });
  return newest;
}

// ---- printing ---------------------------------------------------------------------------------

const ordinal = (n: number): string => {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
};

export function formatStep(s: Step): string {
  switch (s.kind) {
    case "event":
      if (!s.kill) return `${s.node} ${s.word}`;
      return `kill ${s.node} mid-${acquires(s.word) ? "acquire" : "release"} (${s.word}, at its ${ordinal(s.kill.atCall)} call${s.kill.pidReused ? ", its PID then reused" : ""})`;
    case "wait":
      return s.ms === 0 ? "yield" : `wait ${s.ms}ms`;
    case "quiet":
      return "wait until quiet";
    case "fault":
      return `fault ${formatFault(s.fault)}`;
    case "faults-cleared":
      return "faults cleared";
    case "clock":
      return `clock step ${s.node} ${s.seconds > 0 ? "+" : ""}${s.seconds}s`;
    case "run-dir-full":
      return `runDir full ${s.node}`;
    case "run-dir-freed":
      return `runDir freed ${s.node}`;
  }
}

function formatFault(f: FaultStep): string {
  switch (f.kind) {
    case "throttle":
      return `throttle ${f.action} x${f.count}`;
    case "server-error":
      return `${f.code === "Unavailable" ? "503" : "5xx"} ${f.action} x${f.count}`;
    case "latency":
      return `latency ${f.ms}ms ${f.action ?? "every call"}`;
    case "deny":
      return `deny ${f.action}`;
  }
}

export function formatShape(c: ClusterShape): string {
  const parts: string[] = [];
  if (c.vip) parts.push(`vip${c.vip.release ? " (release)" : ""}`);
  if (c.eip) parts.push(`eip ${c.eip.onVip ? "on the vip" : "on each node's address"}${c.eip.release ? " (release)" : ""}`);
  if (c.route) parts.push(`route in ${c.route.tables} table${c.route.tables > 1 ? "s" : ""}${c.route.release ? " (release)" : ""}`);
  if (c.volume) parts.push("volume");
  if (c.hook) parts.push("hook");
  if (c.service) parts.push("service");
  return (
    `${c.nodes} nodes (${c.manager}): ${parts.join(", ") || "no resources"}; ` +
    `${c.holder ? `${c.holder} holds everything at start` : "nobody holds anything at start"}; ` +
    `attach ${c.attachMs}ms, detach ${c.detachMs}ms, hooks ${c.hookMs}ms`
  );
}

export function formatCase(c: SoakCase): string {
  return [`cluster: ${formatShape(c.cluster)}`, ...c.steps.map((s, i) => `  ${String(i + 1).padStart(2)}. ${formatStep(s)}`)].join("\n");
}
