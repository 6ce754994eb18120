import { describe, expect, it } from "vitest";
import type { EipSpec, VipSpec } from "../../src/cluster/schema";
import type { RecordSpec } from "../../src/kinds/record/schema";
import type { Route53Call } from "../support/route53-standin/call-log";
import { summarizeCalls } from "./harness/api-calls";
import { interfaceIps, type ApiCall } from "./harness/cloud-control";
import { printTimeline } from "./harness/figures";
import { waitForSoleHolder } from "./harness/holdings";
import type { Lab } from "./harness/lab";
import type { LabNode } from "./harness/lab-node";
import { labBlocker } from "./harness/prerequisites";
import { announceSkip, labForScenarios } from "./harness/scenario";
import { sleep, waitFor } from "./harness/wait";

// A keepalived pair whose DNS name follows the master, told as one story: db.lab.example. names the
// master's own address (release: true), www.lab.example. the Elastic IP's public address. The
// VIP, the Elastic IP and db's record move together on a graceful stop and on a crash; www's record
// says the same on either node, so no failover rewrites it; and a record rewritten by hand while a
// node is master is taken back by that node's drift repair. Route53 is the stand-in in the hub
// namespace, the nodes' real @aws-sdk/client-route-53 talking to it over the lab's cloud network.

const blocker = labBlocker("keepalived");
announceSkip("keepalived record", blocker);

/** A ChangeResourceRecordSets call's one change, as the stand-in logs it: "UPSERT db.lab.example. A 30 10.231.1.11". */
const change = (action: "UPSERT" | "DELETE", r: RecordSpec, value: string) => `${action} ${r.recordName} ${r.type} ${r.ttl} ${value}`;
/** Accepted changes of the zone, in arrival order. */
const acceptedChanges = (calls: readonly Route53Call[]) =>
  calls.filter((c) => c.action === "ChangeResourceRecordSets" && c.error === undefined);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe.skipIf(blocker !== undefined)("keepalived pair: a VIP and the Route53 record of the master's address", () => {
  let lab: Lab;
  let master: LabNode;
  let backup: LabNode;

  labForScenarios("keepalived-record", "keepalived", (built) => (lab = built));

  const route53 = () => lab.route53!.control;
  const vip = () => lab.description.resources.find((r): r is VipSpec => r.kind === "vip")!;
  const eip = () => lab.description.resources.find((r): r is EipSpec => r.kind === "eip")!;
  const record = (name: string) => lab.description.resources.find((r): r is RecordSpec => r.kind === "record" && r.name === name)!;
  const nodeRecord = () => record("db-dns");
  const eipRecord = () => record("www-dns");
  const valueOf = async (r: RecordSpec) => (await route53().record(r.hostedZoneId, r.recordName, r.type))?.values;

  /** EC2 has the VIP on the node's ENI and the node has it on its interface. */
  const holdsVip = async (node: LabNode) =>
    interfaceIps(await lab.ec2.control.state(), node.member.networkInterfaceId!).includes(vip().address) &&
    (await lab.addressesOf(node)).includes(vip().address);

  /** Waits until `node` holds the VIP and db's record names it; when each was first seen. */
  async function waitForMove(node: LabNode, timeoutMs: number): Promise<{ vipAt: number; recordAt: number }> {
    let vipAt: number | undefined;
    let recordAt: number | undefined;
    await waitFor(
      async () => {
        vipAt ??= (await holdsVip(node)) ? Date.now() : undefined;
        const values = await valueOf(nodeRecord());
        recordAt ??= values?.length === 1 && values[0] === node.member.address ? Date.now() : undefined;
        return vipAt !== undefined && recordAt !== undefined;
      },
      { what: `${node.name} to hold the VIP and ${nodeRecord().recordName} to name ${node.member.address}`, timeoutMs, intervalMs: 100 },
    );
    return { vipAt: vipAt!, recordAt: recordAt! };
  }

  /** The moments the stand-ins accepted the VIP's move to `node` and db's UPSERT of its address. */
  function callTimes(ec2: readonly ApiCall[], r53: readonly Route53Call[], node: LabNode) {
    const assigned = ec2.find((c) => c.action === "AssignPrivateIpAddresses" && c.error === undefined)?.at;
    const upserted = acceptedChanges(r53).find((c) => c.changes.includes(change("UPSERT", nodeRecord(), node.member.address)))?.at;
    return { assigned, upserted };
  }

  function figures(
    scenario: string,
    cause: string,
    causeAt: number,
    node: LabNode,
    seen: { vipAt: number; recordAt: number },
    ec2: ApiCall[],
    r53: Route53Call[],
  ) {
    const { assigned, upserted } = callTimes(ec2, r53, node);
    printTimeline({
      scenario,
      cause,
      causeAt,
      daemonAt: node.vrrpStateLines("MASTER", causeAt)[0],
      notify: node.notify(causeAt),
      convergedAt: Math.max(seen.vipAt, seen.recordAt),
      notes: [
        `VIP moved (AssignPrivateIpAddresses) ${assigned !== undefined ? seconds(assigned - causeAt) : "not seen"}`,
        `record → ${node.name} (UPSERT) ${upserted !== undefined ? seconds(upserted - causeAt) : "not seen"}`,
        `seen: VIP ${seconds(seen.vipAt - causeAt)}, record ${seconds(seen.recordAt - causeAt)}`,
        `EC2 calls: ${summarizeCalls(ec2)}`,
        `Route53 calls: ${summarizeCalls(r53.map((c) => ({ at: c.at, action: c.action, ...(c.error ? { error: c.error } : {}), instanceIds: [] })))}`,
      ],
    });
  }

  it("1: both start; the higher priority holds the VIP, the Elastic IP and both records", async () => {
    const startedAt = Date.now();
    await lab.startKeepalived();
    const { holder } = await waitForSoleHolder(lab, undefined, 60_000);
    master = lab.node(holder);
    backup = lab.nodes.find((n) => n !== master)!;
    expect(master.member.priority).toBeGreaterThan(backup.member.priority);
    const seen = await waitForMove(master, 30_000);
    await waitFor(async () => (await valueOf(eipRecord()))?.[0] === eip().publicIp, {
      what: `${eipRecord().recordName} to name the Elastic IP ${eip().publicIp}`,
      timeoutMs: 30_000,
    });

    const changes = acceptedChanges(await route53().calls(startedAt)).flatMap((c) => c.changes);
    expect(changes.filter((c) => c.startsWith("UPSERT")).sort()).toEqual(
      [change("UPSERT", nodeRecord(), master.member.address), change("UPSERT", eipRecord(), eip().publicIp!)].sort(),
    );
    figures("1 start", "start", startedAt, master, seen, await lab.ec2.control.calls(), await route53().calls(startedAt));
  });

  it("2: graceful stop of the master; the VIP and db's record move to the peer, the old master deletes only its own value", async () => {
    const stopping = master.keepalived.stop();
    const { at: stoppedAt } = await stopping;
    const seen = await waitForMove(backup, 60_000);
    await waitForSoleHolder(lab, backup, 30_000);
    // The old master's release ran in the worker that outlives notify_stop: its end is the end of
    // the story on that side.
    await waitFor(() => master.notify(stoppedAt).some((r) => /release (done|incomplete)/.test(r.msg)), {
      what: `${master.name}'s release to finish`,
      timeoutMs: 30_000,
    });

    const calls = await route53().calls(stoppedAt);
    const accepted = acceptedChanges(calls).flatMap((c) => c.changes);
    const upsert = change("UPSERT", nodeRecord(), backup.member.address);
    // Exactly one UPSERT, of the new master's own address (only that node ever writes it), and
    // nothing written to www's record: the Elastic IP's public address is the same on either node.
    expect(accepted.filter((c) => c.startsWith("UPSERT"))).toEqual([upsert]);
    // A DELETE Route53 accepted names the old master's address and came while the record still
    // named it, before the UPSERT; one sent after it was refused (InvalidChangeBatch).
    const deletes = accepted.filter((c) => c.startsWith("DELETE"));
    expect(
      deletes.every((c) => c === change("DELETE", nodeRecord(), master.member.address)),
      deletes.join("; "),
    ).toBe(true);
    if (deletes.length > 0) expect(accepted.indexOf(deletes[0]!)).toBeLessThan(accepted.indexOf(upsert));
    const refused = calls.filter((c) => c.action === "ChangeResourceRecordSets" && c.error !== undefined);
    expect(refused.every((c) => c.error === "InvalidChangeBatch" && c.changes[0]!.startsWith("DELETE"))).toBe(true);
    expect(await valueOf(nodeRecord())).toEqual([backup.member.address]);
    expect(await valueOf(eipRecord())).toEqual([eip().publicIp]);

    figures(
      "2 graceful stop",
      "SIGTERM",
      stoppedAt,
      backup,
      seen,
      (await lab.ec2.control.calls()).filter((c) => c.at >= stoppedAt),
      calls,
    );
    console.log(
      `[lab] 2 graceful stop: old master ${deletes.length > 0 ? "deleted its record before the UPSERT" : "left the record alone (it named the new master already)"}${refused.length > 0 ? `, ${refused.length} DELETE refused by Route53` : ""}`,
    );
    [master, backup] = [backup, master];
  });

  it("3: the old master returns with nopreempt; it stays backup and leaves the record alone", async () => {
    const returnedAt = Date.now();
    backup.keepalived.start();
    await waitFor(() => backup.vrrpStateLines("BACKUP", returnedAt).length > 0, {
      what: `${backup.name} to enter BACKUP`,
      timeoutMs: 15_000,
    });
    // Its `backup` event runs a release: the record names the master, so no DELETE is sent.
    await sleep(5_000);
    expect(backup.vrrpStateLines("MASTER", returnedAt)).toEqual([]);
    expect(acceptedChanges(await route53().calls(returnedAt))).toEqual([]);
    expect(await valueOf(nodeRecord())).toEqual([master.member.address]);
    expect(await holdsVip(master)).toBe(true);
  });

  it("4: kill -9 of the master's keepalived; the backup takes the VIP and db's record", async () => {
    const killedAt = await master.keepalived.crash();
    const seen = await waitForMove(backup, 60_000);

    const calls = await route53().calls(killedAt);
    // keepalived died without a notify: nothing ran on the old master, so no DELETE; the new
    // master's one UPSERT of its own address moved the name.
    expect(acceptedChanges(calls).flatMap((c) => c.changes)).toEqual([change("UPSERT", nodeRecord(), backup.member.address)]);
    expect(await valueOf(eipRecord())).toEqual([eip().publicIp]);

    figures(
      "4 kill -9 master",
      "kill",
      killedAt,
      backup,
      seen,
      (await lab.ec2.control.calls()).filter((c) => c.at >= killedAt),
      calls,
    );
    [master, backup] = [backup, master];
  });

  it("5: db's record rewritten by hand to the dead peer's address; the master's drift repair takes it back", async () => {
    const r = nodeRecord();
    const changedAt = Date.now();
    await route53().setRecord(r.hostedZoneId, { name: r.recordName, type: r.type, ttl: r.ttl, values: [backup.member.address] });
    const { recordAt } = await waitForMove(master, 30_000);

    const calls = await route53().calls(changedAt);
    expect(acceptedChanges(calls).flatMap((c) => c.changes)).toEqual([change("UPSERT", r, master.member.address)]);
    const repaired = master.notify(changedAt).filter((l) => l.msg.startsWith(`repaired ${r.name}:`));
    expect(repaired.map((l) => l.level)).toEqual(["warn"]);
    expect(repaired[0]!.msg).toContain(`taken back from ${backup.name}`);
    const upserted = acceptedChanges(calls)[0]!.at;
    console.log(
      `[lab] 5 drift repair: record taken back (UPSERT) ${seconds(upserted - changedAt)} after the change by hand, seen ${seconds(recordAt - changedAt)} (driftRepair ${lab.description.keepalived!.driftRepair} s)`,
    );
  });
});
