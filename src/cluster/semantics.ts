import { argvControlProblems } from "./command-words";
import { authPassProblem, heartbeatKeyProblem } from "./daemon-secrets";
import { firstDuplicates } from "./duplicates";
import type { Placed } from "./resource-fragment";
import { resourceFragments, type ClusterDescription, type ResourceSpec } from "./schema";
import type { ConfigProblem } from "../errors";

// Checks that need more than one field at a time. Each problem names the path and the fix. What
// concerns one kind of resource is in that kind's fragment (src/kinds/<kind>/schema.ts).

export function semanticProblems(d: ClusterDescription): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  if (d.nodes.length < 2) add("nodes", `a cluster needs at least 2 nodes, found ${d.nodes.length}`);
  for (const key of ["name", "address", "instanceId", "priority"] as const) {
    firstDuplicates(d.nodes.map((n) => n[key])).forEach((i) =>
      add(`nodes[${i}].${key}`, `${JSON.stringify(d.nodes[i]![key])} is used by another node; every node needs its own ${key}`),
    );
  }
  // Nodes without an IPv6 address do not clash with each other: only the addresses given count.
  const address6s = d.nodes.flatMap((n, i) => (n.address6 === undefined ? [] : [{ address6: n.address6, i }]));
  firstDuplicates(address6s.map((a) => a.address6)).forEach((j) => {
    const i = address6s[j]!.i;
    add(`nodes[${i}].address6`, `${JSON.stringify(d.nodes[i]!.address6)} is used by another node; every node needs its own address6`);
  });
  firstDuplicates(d.resources.map((r) => r.name)).forEach((i) =>
    add(`resources[${i}].name`, `${JSON.stringify(d.resources[i]!.name)} names two resources; resource names must be unique`),
  );

  // A resource with an `address` (a vip, a route) moves that address between the nodes: it can be
  // neither a node's own nor another resource's.
  const nodeAddresses = new Set(d.nodes.flatMap((n) => (n.address6 === undefined ? [n.address] : [n.address, n.address6])));
  const taken = new Map<string, string>();
  d.resources.forEach((r, i) => {
    if (!("address" in r)) return;
    const at = `resources[${i}]`;
    if (nodeAddresses.has(r.address)) add(`${at}.address`, `${r.address} is a node's own address; a ${r.kind} needs an address of its own`);
    const other = taken.get(r.address);
    if (other) add(`${at}.address`, `${r.address} is already used by resource ${other}`);
    taken.set(r.address, r.name);
  });
  for (const fragment of resourceFragments) problems.push(...kindProblems(d, fragment));

  if (d.manager === "keepalived" && !d.keepalived)
    add("keepalived", "manager is keepalived, so a keepalived section (at least virtualRouterId) is required");
  if (d.keepalived) {
    const k = d.keepalived;
    if (k.vrrpVersion === 2 && (!Number.isInteger(k.advertInterval) || k.advertInterval > 255))
      add(
        "keepalived.advertInterval",
        `${k.advertInterval} is not valid for VRRPv2: use whole seconds 1-255, or vrrpVersion: 3 for sub-second adverts`,
      );
    if (k.vrrpVersion === 3 && (k.advertInterval > 40.95 || Math.abs(Math.round(k.advertInterval * 100) - k.advertInterval * 100) > 1e-9))
      add("keepalived.advertInterval", `${k.advertInterval} is not valid for VRRPv3: use 0.01 s steps up to 40.95`);
    if (k.authPass !== undefined) {
      if (k.vrrpVersion === 3) add("keepalived.authPass", "VRRPv3 has no authentication; remove authPass or use vrrpVersion: 2");
      else {
        const problem = authPassProblem(k.authPass);
        if (problem) add("keepalived.authPass", problem);
      }
    }
    const check = k.healthCheck;
    if (check && !check.command[0]!.startsWith("/"))
      add(
        "keepalived.healthCheck.command[0]",
        `${JSON.stringify(check.command[0])} must be an absolute path (keepalived's script security refuses PATH lookups)`,
      );
    if (check) problems.push(...argvControlProblems(check.command, "keepalived.healthCheck.command"));
  }

  if (d.manager === "heartbeat" && d.nodes.length !== 2)
    add("nodes", `Heartbeat v1 (haresources) runs exactly two nodes, found ${d.nodes.length}; use manager: keepalived or pacemaker`);
  if (d.heartbeat) {
    const h = d.heartbeat;
    if (!(h.deadtime > 2 * h.keepalive))
      add("heartbeat.deadtime", `${h.deadtime} must be more than twice keepalive (${h.keepalive}); Heartbeat refuses to start otherwise`);
    if (h.initdead < h.deadtime) add("heartbeat.initdead", `${h.initdead} must be at least deadtime (${h.deadtime})`);
    if (h.warntime >= h.deadtime) add("heartbeat.warntime", `${h.warntime} must be less than deadtime (${h.deadtime})`);
    const keyProblem = h.authKey === undefined ? undefined : heartbeatKeyProblem(h.authKey);
    if (keyProblem) add("heartbeat.authKey", keyProblem);
  }
  return problems;
}

/** A kind's own problems, judged over the resources of that kind, each with its place in the list. */
function kindProblems(d: ClusterDescription, fragment: (typeof resourceFragments)[number]): ConfigProblem[] {
  const kind = fragment.schema.shape.kind.value;
  const mine = d.resources.flatMap((spec, i): Placed<ResourceSpec>[] => (spec.kind === kind ? [{ spec, at: `resources[${i}]` }] : []));
  return mine.length === 0 ? [] : (fragment.problems as (d: ClusterDescription, mine: Placed<ResourceSpec>[]) => ConfigProblem[])(d, mine);
}
