import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { canonicalAddress } from "../../src/cluster/ip-addresses";
import type { VipSpec } from "../../src/cluster/schema";
import { mutatingCalls, summarizeCalls } from "./harness/api-calls";
import { interfaceIps } from "./harness/cloud-control";
import { printTimeline } from "./harness/figures";
import type { Lab } from "./harness/lab";
import { labDirInNode, type LabNode } from "./harness/lab-node";
import { addNodeIpv6, hasIpv6, ipv6Carriers, ipv6On, pingIpv6 } from "./harness/node-ipv6";
import { labBlocker } from "./harness/prerequisites";
import { announceSkip, labForScenarios } from "./harness/scenario";
import { sleep, waitFor } from "./harness/wait";

// A dual-stack keepalived pair whose IPv6 VIP moves with real keepalived between two namespaces
// that carry IPv6 on their veths. keepalived puts the address on the interface (it is in the
// generated config's virtual_ipaddress_excluded), aws-ha moves it in EC2: unassigned from the ENI
// that holds it, then assigned to the new master's, since EC2 has no reassignment for IPv6.
// Told as one story: start, graceful stop of the master, its return, kill -9 of the new master.

const blocker = labBlocker("keepalived");
announceSkip("keepalived IPv6 VIP", blocker);

/** When each part of a move was first seen, lab clock. */
interface Move {
  /** EC2 no longer has the address on the old master's ENI. */
  leftOldAt: number;
  /** EC2 has it on the new master's ENI, and on no other. */
  onNewAt: number;
  /** The new master's interface carries it (`ip -j -6 addr`). */
  localAt: number;
}

describe.skipIf(blocker !== undefined)("keepalived pair: an IPv6 VIP moves between two namespaces", () => {
  let lab: Lab;
  let master: LabNode;
  let backup: LabNode;
  const vip6 = () => lab.description.resources.find((r): r is VipSpec => r.kind === "vip" && r.address.includes(":"))!;
  const vip4 = () => lab.description.resources.find((r): r is VipSpec => r.kind === "vip" && !r.address.includes(":"))!;
  const eniOf = (node: LabNode) => node.member.networkInterfaceId!;

  labForScenarios("keepalived-ipv6", "keepalived", (built) => (lab = built));
  beforeAll(async () => {
    await addNodeIpv6(lab);
    for (const node of lab.nodes) expect(await hasIpv6(lab, node, node.member.address6!), `${node.name}'s own address6`).toBe(true);
  });

  /** Polls EC2 and the new master until the address has moved from `from` (if given) to `to`, bounded by timeoutMs. */
  async function watchMove(from: LabNode | undefined, to: LabNode, timeoutMs: number): Promise<Move> {
    const address = vip6().address;
    const seen: Partial<Move> = {};
    let last = "nothing read yet";
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < Math.ceil(timeoutMs / 50) + 1 && Date.now() <= deadline; i++) {
      const carriers = ipv6Carriers(await lab.ec2.control.state(), address);
      const now = Date.now();
      if (seen.leftOldAt === undefined && (from === undefined || !carriers.includes(eniOf(from)))) seen.leftOldAt = now;
      if (seen.onNewAt === undefined && carriers.length === 1 && carriers[0] === eniOf(to)) seen.onNewAt = now;
      if (seen.localAt === undefined && (await hasIpv6(lab, to, address))) seen.localAt = Date.now();
      last = `EC2 has ${address} on [${carriers.join(", ")}], ${to.name}'s ${to.member.interface} ${seen.localAt ? "has" : "lacks"} it`;
      if (seen.leftOldAt !== undefined && seen.onNewAt !== undefined && seen.localAt !== undefined) return seen as Move;
      await sleep(50);
    }
    throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${address} to move to ${to.name}; last seen: ${last}`);
  }

  /** The successful Unassign/AssignIpv6Addresses calls since `since`, with the ENI each named. */
  async function ipv6Calls(since: number): Promise<{ action: string; eni: string; addresses: string[]; at: number }[]> {
    const calls = await lab.ec2.client.calls(since);
    return calls
      .filter((c) => (c.action === "AssignIpv6Addresses" || c.action === "UnassignIpv6Addresses") && c.error === undefined)
      .map((c) => ({
        action: c.action,
        at: c.at,
        eni: c.params.NetworkInterfaceId ?? "",
        addresses: Object.entries(c.params)
          .filter(([k]) => /^Ipv6Addresses\.\d+$/.test(k))
          .map(([, v]) => canonicalAddress(v)),
      }));
  }

  const moveNotes = (m: Move, causeAt: number, fromAnotherEni = true) => [
    `stand-in: ${fromAnotherEni ? `off the old ENI ${((m.leftOldAt - causeAt) / 1000).toFixed(1)} s, ` : ""}on the new master's ENI ${((m.onNewAt - causeAt) / 1000).toFixed(1)} s after the cause`,
    `on the new master's interface ${((m.localAt - causeAt) / 1000).toFixed(1)} s`,
  ];

  it("1: the generated config carries the IPv6 VIP as keepalived accepts it; the master holds it in EC2 and on its interface", async () => {
    const address = canonicalAddress(vip6().address);
    // The lab installed the config aws-ha-gen rendered, as it is, after `keepalived -t -e` accepted it.
    for (const node of lab.nodes) {
      const conf = readFileSync(node.machine.hostPathOf(`${labDirInNode}/keepalived.conf`), "utf8");
      const excluded = /virtual_ipaddress_excluded \{([^}]*)\}/.exec(conf)?.[1] ?? "";
      const advertised = /virtual_ipaddress \{([^}]*)\}/.exec(conf)?.[1] ?? "";
      expect(excluded, `${node.name}'s keepalived.conf`).toContain(`${vip6().address}/64 dev ${node.member.interface}`);
      expect(advertised).not.toContain(vip6().address);
      expect(advertised).toContain(`${vip4().address}/24 dev ${node.member.interface}`);
    }
    const startedAt = Date.now();
    await lab.startKeepalived();
    const first = lab.nodes.reduce((a, b) => (a.member.priority > b.member.priority ? a : b));
    const move = await watchMove(undefined, first, 60_000);
    master = first;
    backup = lab.nodes.find((n) => n !== master)!;
    expect(master.vrrpStateLines("MASTER").length).toBeGreaterThan(0);
    expect(backup.vrrpStateLines("MASTER")).toEqual([]);
    const world = await lab.ec2.control.state();
    expect(ipv6Carriers(world, address)).toEqual([eniOf(master)]);
    expect(interfaceIps(world, eniOf(master))).toContain(vip4().address);
    // Each ENI keeps its own address6 beside the VIP.
    for (const node of lab.nodes)
      expect(world.interfaces.find((e) => e.networkInterfaceId === eniOf(node))!.ipv6Addresses).toContain(
        canonicalAddress(node.member.address6!),
      );
    const onMaster = (await ipv6On(lab, master)).find((a) => a.address === address);
    expect(onMaster, `${address} on ${master.name}`).toBeDefined();
    expect(onMaster!.prefix).toBe(64);
    // Usable at once: keepalived adds it with nodad, so duplicate address detection never holds it back.
    expect(onMaster!.flags).toContain("nodad");
    expect(onMaster!.flags).not.toContain("tentative");
    expect(onMaster!.flags).not.toContain("dadfailed");
    expect(await hasIpv6(lab, backup, address)).toBe(false);
    const calls = await ipv6Calls(startedAt);
    expect(calls.map((c) => [c.action, c.eni, c.addresses])).toContainEqual(["AssignIpv6Addresses", eniOf(master), [address]]);
    printTimeline({
      scenario: "ipv6 1 start",
      cause: "start",
      causeAt: startedAt,
      daemonAt: master.vrrpStateLines("MASTER")[0],
      notify: master.notify(startedAt),
      convergedAt: Math.max(move.onNewAt, move.localAt),
      notes: [...moveNotes(move, startedAt, false), `address flags on ${master.name}: ${onMaster!.flags.join(" ") || "none"}`],
    });
  });

  it("2: graceful stop of the master; the backup takes the IPv6 VIP: EC2 moves it between the ENIs, the old interface drops it", async () => {
    const address = canonicalAddress(vip6().address);
    const stopping = master.keepalived.stop();
    const move = await watchMove(master, backup, 60_000);
    const { at: stoppedAt, exitMs } = await stopping;
    const world = await lab.ec2.control.state();
    expect(ipv6Carriers(world, address)).toEqual([eniOf(backup)]);
    expect(interfaceIps(world, eniOf(backup))).toContain(vip4().address);
    expect(interfaceIps(world, eniOf(master))).not.toContain(vip4().address);
    // keepalived removed it from the old master's interface on its way out; its own address6 stays.
    expect(await hasIpv6(lab, master, address)).toBe(false);
    expect(await hasIpv6(lab, master, master.member.address6!)).toBe(true);
    expect(await hasIpv6(lab, backup, address)).toBe(true);
    // EC2 has no reassignment for IPv6: off the old ENI first, then onto the new one.
    const calls = await ipv6Calls(stoppedAt);
    const unassign = calls.find((c) => c.action === "UnassignIpv6Addresses" && c.eni === eniOf(master) && c.addresses.includes(address));
    const assign = calls.find((c) => c.action === "AssignIpv6Addresses" && c.eni === eniOf(backup) && c.addresses.includes(address));
    expect(unassign, JSON.stringify(calls)).toBeDefined();
    expect(assign, JSON.stringify(calls)).toBeDefined();
    expect(unassign!.at).toBeLessThanOrEqual(assign!.at);
    // The address answers on the IPv6 wire from the new master: the old one, still up, reaches it.
    const ping = await pingIpv6(master, address);
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
    printTimeline({
      scenario: "ipv6 2 graceful stop",
      cause: "SIGTERM",
      causeAt: stoppedAt,
      daemonAt: backup.vrrpStateLines("MASTER", stoppedAt)[0],
      notify: backup.notify(stoppedAt),
      convergedAt: Math.max(move.onNewAt, move.localAt),
      notes: [
        ...moveNotes(move, stoppedAt),
        `keepalived exited in ${(exitMs / 1000).toFixed(1)} s`,
        `EC2 calls: ${summarizeCalls((await lab.ec2.control.calls()).filter((c) => c.at >= stoppedAt))}`,
      ],
    });
    [master, backup] = [backup, master];
  });

  it("3: the old master returns with nopreempt and stays backup; nothing moves", async () => {
    const returnedAt = Date.now();
    backup.keepalived.start();
    await waitFor(() => backup.vrrpStateLines("BACKUP", returnedAt).length > 0, {
      what: `${backup.name} to enter BACKUP`,
      timeoutMs: 15_000,
    });
    // A preempting node would take over ~3.4 s after start: watch past that.
    await sleep(6_000);
    expect(backup.vrrpStateLines("MASTER", returnedAt)).toEqual([]);
    expect(mutatingCalls(await lab.ec2.control.calls(), returnedAt)).toEqual([]);
    expect(ipv6Carriers(await lab.ec2.control.state(), vip6().address)).toEqual([eniOf(master)]);
    expect(await hasIpv6(lab, backup, vip6().address)).toBe(false);
  });

  it("4: kill -9 of the master's keepalived; the backup unassigns the IPv6 VIP from the dead node's ENI and takes it", async () => {
    const address = canonicalAddress(vip6().address);
    const killedAt = await master.keepalived.crash();
    const move = await watchMove(master, backup, 60_000);
    const world = await lab.ec2.control.state();
    expect(ipv6Carriers(world, address)).toEqual([eniOf(backup)]);
    expect(interfaceIps(world, eniOf(backup))).toContain(vip4().address);
    expect(await hasIpv6(lab, backup, address)).toBe(true);
    // Nothing ran on the old master to take the address off its interface: keepalived is dead
    // there (no notify, no shutdown), so the address stays, harmless, since EC2 delivers it to
    // the ENI it is assigned to.
    expect(master.keepalived.pids()).toEqual([]);
    expect(await hasIpv6(lab, master, address)).toBe(true);
    const calls = await ipv6Calls(killedAt);
    const unassign = calls.find((c) => c.action === "UnassignIpv6Addresses" && c.eni === eniOf(master) && c.addresses.includes(address));
    const assign = calls.find((c) => c.action === "AssignIpv6Addresses" && c.eni === eniOf(backup) && c.addresses.includes(address));
    expect(unassign, JSON.stringify(calls)).toBeDefined();
    expect(assign, JSON.stringify(calls)).toBeDefined();
    expect(unassign!.at).toBeLessThanOrEqual(assign!.at);
    // The dead node never spoke: the new master took the address off its ENI itself, and finished.
    await waitFor(() => backup.notify(killedAt).some((r) => r.msg.startsWith("acquire done")), {
      what: `${backup.name}'s aws-ha-notify to log "acquire done"`,
      timeoutMs: 15_000,
    });
    printTimeline({
      scenario: "ipv6 4 kill -9 master",
      cause: "kill",
      causeAt: killedAt,
      daemonAt: backup.vrrpStateLines("MASTER", killedAt)[0],
      notify: backup.notify(killedAt),
      convergedAt: Math.max(move.onNewAt, move.localAt),
      notes: [
        ...moveNotes(move, killedAt),
        `EC2 calls: ${summarizeCalls((await lab.ec2.control.calls()).filter((c) => c.at >= killedAt))}`,
      ],
    });
    [master, backup] = [backup, master];
  });
});
