import { describe, expect, it } from "vitest";
import { summarizeCalls } from "./harness/api-calls";
import { eipAssociation } from "./harness/cloud-control";
import type { EipSpec } from "../../src/cluster/schema";
import type { Lab } from "./harness/lab";
import type { LabNode } from "./harness/lab-node";
import { labBlocker } from "./harness/prerequisites";
import { announceSkip, labForScenarios } from "./harness/scenario";
import { waitFor } from "./harness/wait";

// Scenario 8: Heartbeat v1 with the files aws-ha-gen rendered (ha.cf, haresources, authkeys) and
// aws-ha-updateeip in resource.d. The main node dies, the other takes the Elastic IP; the main node
// comes back and, with auto_failback on, takes it back.

const blocker = labBlocker("heartbeat");
announceSkip("heartbeat pair", blocker);

describe.skipIf(blocker !== undefined)("Heartbeat pair: Elastic IP with aws-ha-updateeip", () => {
  let lab: Lab;
  let eip: EipSpec;

  const eipOn = async (node: LabNode): Promise<boolean> => {
    const association = eipAssociation(await lab.ec2.control.state(), eip.allocationId);
    return association?.networkInterfaceId === node.member.networkInterfaceId && association?.privateIp === node.member.address;
  };
  const heartbeatLines = (node: LabNode, pattern: RegExp, since: number) =>
    node.syslog.lines.filter((l) => l.at >= since && /heartbeat|ResourceManager/i.test(l.tag) && pattern.test(l.message)).map((l) => l.at);

  labForScenarios("heartbeat-pair", "heartbeat", (built) => {
    lab = built;
    eip = lab.description.resources.find((r): r is EipSpec => r.kind === "eip")!;
  });

  it("8: main dies, the other node takes the Elastic IP; main returns and auto_failback moves it back", async () => {
    const [main, other] = [...lab.nodes].sort((a, b) => b.member.priority - a.member.priority) as [LabNode, LabNode];
    const startedAt = Date.now();
    for (const node of lab.nodes) node.heartbeat.start();
    // initdead is 10 s, then resource acquisition (reference §5 measured ~11 s).
    await waitFor(() => eipOn(main), { what: `the Elastic IP on ${main.name}`, timeoutMs: 60_000, intervalMs: 200 });
    const acquiredAt = Date.now();
    console.log(`[lab] 8 heartbeat start: Elastic IP on ${main.name} ${((acquiredAt - startedAt) / 1000).toFixed(1)} s after start`);

    // The main node dies: every process of the instance, Heartbeat included, at once.
    const diedAt = Date.now();
    await main.machine.powerOff();
    await waitFor(() => eipOn(other), { what: `the Elastic IP on ${other.name}`, timeoutMs: 60_000, intervalMs: 100 });
    const tookAt = Date.now();
    const deadAt = heartbeatLines(other, /is dead/, diedAt)[0];
    const updateeipLines = () => other.syslog.lines.filter((l) => l.at >= diedAt && l.tag === "aws-ha-updateeip");
    // EC2 shows the address moved before updateeip has confirmed it and logged its step.
    await waitFor(() => updateeipLines().some((l) => /^acquire\b/.test(l.message)), {
      what: `aws-ha-updateeip's acquire line on ${other.name}`,
      timeoutMs: 15_000,
      intervalMs: 100,
    }).catch(() => undefined);
    const updateeip = updateeipLines();
    // Heartbeat ran haresources' aws-ha-updateeip start on the survivor; nothing else moves the address.
    expect(
      updateeip.map((l) => l.message).filter((m) => /^acquire\b.*outcome=changed/.test(m)),
      `updateeip on ${other.name}: ${updateeip.map((l) => l.message).join(" | ")}`,
    ).not.toEqual([]);
    console.log(
      `[lab] 8 heartbeat main dies: death→"is dead" ${deadAt ? ((deadAt - diedAt) / 1000).toFixed(1) + " s" : "n/a"}, ` +
        `"is dead"→Elastic IP moved ${deadAt ? ((tookAt - deadAt) / 1000).toFixed(1) + " s" : "n/a"}, total ${((tookAt - diedAt) / 1000).toFixed(1)} s` +
        (updateeip.length
          ? `, updateeip: ${updateeip
              .map((l) => l.message)
              .filter((m) => /ms=/.test(m))
              .join("; ")}`
          : ""),
    );

    // The main node comes back; auto_failback on returns the address to it.
    const returnedAt = Date.now();
    await main.boot();
    await main.installHeartbeatConfig();
    main.heartbeat.start();
    await waitFor(() => eipOn(main), { what: `the Elastic IP back on ${main.name}`, timeoutMs: 90_000, intervalMs: 200 });
    const backAt = Date.now();
    const calls = await lab.ec2.control.calls();
    expect(await eipOn(other)).toBe(false);
    console.log(
      `[lab] 8 heartbeat failback: main start→Elastic IP back ${((backAt - returnedAt) / 1000).toFixed(1)} s; EC2 calls since start: ${summarizeCalls(calls.filter((c) => c.at >= startedAt))}`,
    );
  });
});
