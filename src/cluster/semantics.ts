import type { ClusterDescription } from "./schema";
import type { ConfigProblem } from "../errors";

// Checks that need more than one field at a time. Each problem names the path and the fix.

export function semanticProblems(d: ClusterDescription): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  if (d.nodes.length < 2) add("nodes", `a cluster needs at least 2 nodes, found ${d.nodes.length}`);
  for (const key of ["name", "address", "instanceId", "priority"] as const) {
    firstDuplicates(d.nodes.map((n) => n[key])).forEach((i) =>
      add(`nodes[${i}].${key}`, `${JSON.stringify(d.nodes[i]![key])} is used by another node; every node needs its own ${key}`),
    );
  }
  firstDuplicates(d.resources.map((r) => r.name)).forEach((i) =>
    add(`resources[${i}].name`, `${JSON.stringify(d.resources[i]!.name)} names two resources; resource names must be unique`),
  );

  const nodeAddresses = new Set(d.nodes.map((n) => n.address));
  const vipAddresses = new Set<string>();
  const taken = new Map<string, string>();
  d.resources.forEach((r, i) => {
    const at = `resources[${i}]`;
    if (r.kind === "vip" || r.kind === "route") {
      if (nodeAddresses.has(r.address))
        add(`${at}.address`, `${r.address} is a node's own address; a ${r.kind} needs an address of its own`);
      const other = taken.get(r.address);
      if (other) add(`${at}.address`, `${r.address} is already used by resource ${other}`);
      taken.set(r.address, r.name);
    }
    if (r.kind === "vip") {
      vipAddresses.add(r.address);
      d.nodes.forEach((n) => {
        if (!sameSubnet(n.address, r.address, r.prefix))
          add(
            `${at}.address`,
            `${r.address}/${r.prefix} is not in the subnet of node ${n.name} (${n.address}); a secondary private IP can only move between ENIs of one subnet (use a route resource across subnets)`,
          );
      });
    }
    if (r.kind === "route") {
      d.nodes.forEach((n) => {
        if (sameSubnet(n.address, r.address, 16))
          add(
            `${at}.address`,
            `${r.address} looks like it is inside the VPC next to node ${n.name} (${n.address}); an overlay IP must be outside the VPC CIDR`,
          );
      });
    }
    if ((r.kind === "hook" || r.kind === "service") && r.kind === "hook") {
      for (const phase of ["acquire", "release"] as const) {
        const argv = r[phase];
        if (argv && !argv[0]!.startsWith("/"))
          add(`${at}.${phase}[0]`, `${JSON.stringify(argv[0])} must be an absolute path (no PATH search on a failover)`);
      }
    }
  });
  d.resources.forEach((r, i) => {
    if (r.kind === "eip" && r.privateAddress && !vipAddresses.has(r.privateAddress) && !nodeAddresses.has(r.privateAddress))
      add(
        `resources[${i}].privateAddress`,
        `${r.privateAddress} is neither a declared vip nor a node address; point the EIP at one of: ${[...vipAddresses, ...nodeAddresses].join(", ")}`,
      );
  });
  // EC2 keeps one Elastic IP per private address: a second association pushes the first one off.
  const collided = new Set<number>();
  for (const n of d.nodes) {
    const pointedAt = new Map<string, string>();
    d.resources.forEach((r, i) => {
      if (r.kind !== "eip") return;
      const target = r.privateAddress ?? n.address;
      const other = pointedAt.get(target);
      if (other !== undefined && !collided.has(i)) {
        collided.add(i);
        add(
          `resources[${i}].privateAddress`,
          `${r.name} and ${other} would both point at ${target} on node ${n.name}, and EC2 keeps one Elastic IP per private address; point one of them at a vip's address`,
        );
      } else pointedAt.set(target, r.name);
    });
  }
  for (const key of ["allocationId", "volumeId", "mountPoint"] as const) {
    const indexed = d.resources.map((r, i) => [i, (r as Record<string, unknown>)[key]] as const).filter(([, v]) => v !== undefined);
    firstDuplicates(indexed.map(([, v]) => v)).forEach((j) => {
      const [i, v] = indexed[j]!;
      add(`resources[${i}].${key}`, `${JSON.stringify(v)} appears in two resources; each may be managed once`);
    });
  }

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
      else if (k.authPass.length < 6 || k.authPass.length > 8)
        add("keepalived.authPass", `must be 6 to 8 characters (keepalived uses only the first 8), got ${k.authPass.length}`);
      else if (!/^[!-~]+$/.test(k.authPass)) add("keepalived.authPass", "must be printable ASCII without spaces");
    }
    const check = k.healthCheck;
    if (check && !check.command[0]!.startsWith("/"))
      add(
        "keepalived.healthCheck.command[0]",
        `${JSON.stringify(check.command[0])} must be an absolute path (keepalived's script security refuses PATH lookups)`,
      );
  }

  if (d.manager === "heartbeat" && d.nodes.length !== 2)
    add("nodes", `Heartbeat v1 (haresources) runs exactly two nodes, found ${d.nodes.length}; use manager: keepalived or pacemaker`);
  if (d.heartbeat) {
    const h = d.heartbeat;
    if (!(h.deadtime > 2 * h.keepalive))
      add("heartbeat.deadtime", `${h.deadtime} must be more than twice keepalive (${h.keepalive}); Heartbeat refuses to start otherwise`);
    if (h.initdead < h.deadtime) add("heartbeat.initdead", `${h.initdead} must be at least deadtime (${h.deadtime})`);
    if (h.warntime >= h.deadtime) add("heartbeat.warntime", `${h.warntime} must be less than deadtime (${h.deadtime})`);
    if (h.authKey !== undefined && (h.authKey.length < 16 || !/^[!-~]+$/.test(h.authKey)))
      add("heartbeat.authKey", "must be at least 16 printable characters without spaces");
  }
  return problems;
}

/** Indexes of entries that repeat an earlier one. */
function firstDuplicates(values: readonly unknown[]): number[] {
  const seen = new Set<unknown>();
  const dups: number[] = [];
  values.forEach((v, i) => (seen.has(v) ? dups.push(i) : seen.add(v)));
  return dups;
}

export function ipv4ToNumber(ip: string): number {
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function sameSubnet(a: string, b: string, prefix: number): boolean {
  const size = 2 ** (32 - prefix);
  return Math.floor(ipv4ToNumber(a) / size) === Math.floor(ipv4ToNumber(b) / size);
}
