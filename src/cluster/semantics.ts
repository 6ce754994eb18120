import { authPassProblem, heartbeatKeyProblem } from "./daemon-secrets";
import { sameSubnet } from "./ipv4";
import { mountPointProblems } from "./mount-points";
import { overlayAddressProblem } from "./overlay-addresses";
import { controlCharacter, type ClusterDescription } from "./schema";
import type { ConfigProblem } from "../errors";

export { ipv4ToNumber, sameSubnet } from "./ipv4";

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
      const problem = overlayAddressProblem(r.address, d.nodes, d.vpcCidrs);
      if (problem) add(`${at}.address`, problem);
    }
    if (r.kind === "hook") {
      for (const phase of ["acquire", "release"] as const) {
        const argv = r[phase];
        if (!argv) continue;
        if (!argv[0]!.startsWith("/"))
          add(`${at}.${phase}[0]`, `${JSON.stringify(argv[0])} must be an absolute path (no PATH search on a failover)`);
        problems.push(...argvControlProblems(argv, `${at}.${phase}`));
      }
    }
  });
  problems.push(...deviceSlotProblems(d), ...mountPointProblems(d));
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
  // Mount points are compared in their normal form by mountPointProblems.
  for (const key of ["allocationId", "volumeId"] as const) {
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

/** Indexes of entries that repeat an earlier one. */
function firstDuplicates(values: readonly unknown[]): number[] {
  const seen = new Set<unknown>();
  const dups: number[] = [];
  values.forEach((v, i) => (seen.has(v) ? dups.push(i) : seen.add(v)));
  return dups;
}

/**
 * Words of a command run without a shell: a NUL ends the word early when it reaches execve, and a
 * line break splits the line of keepalived.conf or the log that carries it.
 */
function argvControlProblems(argv: readonly string[], at: string): ConfigProblem[] {
  return argv.flatMap((word, i) => {
    const found = controlCharacter.exec(word);
    if (!found) return [];
    const code = `U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    return [
      {
        path: `${at}[${i}]`,
        message: `${JSON.stringify(word)} contains a control character (${code}); a NUL cuts the argument short and a line break splits the line that carries it`,
      },
    ];
  });
}

/**
 * EC2 attaches each volume at a device name, and /dev/sdX and /dev/xvdX are one slot: two volumes
 * in one slot make the second attachment fail after the first volume has already moved.
 */
function deviceSlotProblems(d: ClusterDescription): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const bySlot = new Map<string, { name: string; device: string; index: number }>();
  d.resources.forEach((r, i) => {
    if (r.kind !== "volume") return;
    const slot = r.device.replace(/^\/dev\/(sd|xvd)/, "");
    const other = bySlot.get(slot);
    if (!other) {
      bySlot.set(slot, { name: r.name, device: r.device, index: i });
      return;
    }
    const defaulted = r.device === "/dev/sdf" ? " (the default when device is omitted)" : "";
    const same = other.device === r.device ? "is also the device of" : `is the same attachment slot as ${other.device} of`;
    problems.push({
      path: `resources[${i}].device`,
      message: `${r.device}${defaulted} ${same} volume ${other.name} (resources[${other.index}]); give each volume its own letter, /dev/sdf … /dev/sdp`,
    });
  });
  return problems;
}
