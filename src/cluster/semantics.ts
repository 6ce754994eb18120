import { argvControlProblems } from "./command-words";
import { authPassProblem, heartbeatKeyProblem } from "./daemon-secrets";
import { firstDuplicates } from "./duplicates";
import { familyOf } from "./ip-addresses";
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
  d.nodes.forEach((n, i) =>
    firstDuplicates(n.interfaces.map((nic) => nic.name)).forEach((j) =>
      add(
        `nodes[${i}].interfaces[${j}].name`,
        `${JSON.stringify(n.interfaces[j]!.name)} is listed twice on node ${n.name}; list each interface once`,
      ),
    ),
  );
  // One ENI is one interface of one node; the first interface's id may sit on the node itself.
  const enis = d.nodes.flatMap((n, i) =>
    n.interfaces.flatMap((nic, j) =>
      nic.networkInterfaceId === undefined
        ? []
        : [
            {
              eni: nic.networkInterfaceId,
              path: j === 0 ? `nodes[${i}].networkInterfaceId` : `nodes[${i}].interfaces[${j}].networkInterfaceId`,
            },
          ],
    ),
  );
  firstDuplicates(enis.map((e) => e.eni)).forEach((k) =>
    add(enis[k]!.path, `${JSON.stringify(enis[k]!.eni)} is another interface's ENI; every interface has an ENI of its own`),
  );
  // A further interface's own address is no other interface's (the nodes' own are checked above, and
  // come first here so that the further interface is the one named).
  const interfaceAddresses = [
    ...d.nodes.map((n) => ({ address: n.address, path: undefined })),
    ...d.nodes.flatMap((n, i) =>
      n.interfaces
        .slice(1)
        .flatMap((nic, j) =>
          nic.address === undefined ? [] : [{ address: nic.address, path: `nodes[${i}].interfaces[${j + 1}].address` }],
        ),
    ),
  ];
  firstDuplicates(interfaceAddresses.map((x) => x.address)).forEach((k) => {
    const { address, path } = interfaceAddresses[k]!;
    if (path) add(path, `${JSON.stringify(address)} is another interface's address; every interface needs its own address`);
  });
  firstDuplicates(d.resources.map((r) => r.name)).forEach((i) =>
    add(`resources[${i}].name`, `${JSON.stringify(d.resources[i]!.name)} names two resources; resource names must be unique`),
  );

  // A resource with an `address` (a vip, a route) moves that address between the nodes: it can be
  // neither a node's own nor another resource's.
  const nodeAddresses = new Set(
    d.nodes.flatMap((n) => n.interfaces.flatMap((nic) => [nic.address, nic.address6].filter((a) => a !== undefined))),
  );
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
    // keepalived drops a VRRPv3 instance with an empty virtual_ipaddress, where only IPv4 vips and
    // routes go (IPv6 ones are in virtual_ipaddress_excluded): no node would ever become master.
    if (k.vrrpVersion === 3 && !d.resources.some((r) => (r.kind === "vip" || r.kind === "route") && familyOf(r.address) === "ipv4"))
      add(
        "keepalived.vrrpVersion",
        'keepalived drops a VRRPv3 instance with no IPv4 vip or route to put in virtual_ipaddress ("No VIP specified; at least one is required"), and IPv6 addresses are not advertised; add an IPv4 vip, or use vrrpVersion: 2',
      );
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
