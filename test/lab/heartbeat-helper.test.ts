import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { summarizeCalls } from "./harness/api-calls";
import type { Daemon } from "./harness/daemon";
import { waitForSoleHolder } from "./harness/holdings";
import type { Lab } from "./harness/lab";
import { descriptionInNode, type LabNode } from "./harness/lab-node";
import { labBlocker } from "./harness/prerequisites";
import { renderedFile } from "./harness/rendered-configs";
import { announceSkip, labForScenarios } from "./harness/scenario";
import { waitFor } from "./harness/wait";

// Scenario 13: Heartbeat v1 moves a VIP and its Elastic IP with aws-ha-notify from haresources, one
// process per event, while each node runs the resident helper exactly as the systemd unit aws-ha-gen
// rendered for it starts it: its ExecStart words (/usr/bin/env finding node on PATH, the resident
// flags, the node's description) and its Environment=. Heartbeat's calls hand their events over:
// the helper of the node that takes over logs the takeover, which only an event handed to it runs.

const blocker = labBlocker("heartbeat");
announceSkip("heartbeat pair with the resident helper", blocker);

describe.skipIf(blocker !== undefined)("Heartbeat pair with the resident helper, started as its rendered unit", () => {
  let lab: Lab;

  labForScenarios("heartbeat-helper", "heartbeat", (built) => {
    lab = built;
  });

  /** The node's helper, started from the unit aws-ha-gen wrote beside the node's other files. */
  async function startHelper(node: LabNode): Promise<Daemon> {
    const unit = readFileSync(renderedFile(await node.render(), node.name, "aws-ha-notify.service"), "utf8");
    const execStart = /^ExecStart=(.+)$/m.exec(unit)?.[1] ?? "";
    expect(execStart).toBe(
      `/usr/bin/env node --lite-mode --max-semi-space-size=1 ${lab.description.paths.notify} --cluster ${descriptionInNode} serve`,
    );
    const environment = Object.fromEntries([...unit.matchAll(/^Environment=(\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(environment).toEqual({ AWS_HA_SYSLOG: "off" });
    return node.machine.startDaemon("aws-ha-helper", execStart.split(" "), { ...node.env, ...environment });
  }

  it("13: each node's helper takes Heartbeat's start of the preferred node, then the survivor's when it dies", async () => {
    const [main, other] = [...lab.nodes].sort((a, b) => b.member.priority - a.member.priority) as [LabNode, LabNode];
    const helpers = new Map<LabNode, Daemon>();
    for (const node of lab.nodes) helpers.set(node, await startHelper(node));
    const helperLog = (node: LabNode) => readFileSync(helpers.get(node)!.logFile, "utf8");
    for (const node of lab.nodes)
      await waitFor(() => /serving events on \/run\/aws-ha\/notify\.sock/.test(helperLog(node)), {
        what: `${node.name}'s helper to listen`,
        timeoutMs: 30_000,
        intervalMs: 100,
      });

    for (const node of lab.nodes) node.heartbeat.start();
    // initdead is 10 s, then Heartbeat runs haresources' `aws-ha-notify --cluster=… start` on main.
    await waitForSoleHolder(lab, main, 60_000);
    await waitFor(() => /acquire done: vip 10\.231\.1\.100/.test(helperLog(main)), {
      what: `${main.name}'s helper to log the takeover`,
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    expect(helperLog(other)).not.toMatch(/acquire done/);

    const diedAt = Date.now();
    const callsBefore = (await lab.ec2.control.calls()).length;
    await main.machine.powerOff();
    const { at } = await waitForSoleHolder(lab, other, 60_000);
    await waitFor(() => /acquire done: vip 10\.231\.1\.100/.test(helperLog(other)), {
      what: `${other.name}'s helper to log the takeover`,
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    console.log(
      `[lab] 13 heartbeat + helper: ${other.name} holds the VIP and the Elastic IP ${((at - diedAt) / 1000).toFixed(1)} s after ${main.name} died ` +
        `(Heartbeat's deadtime 5 s); EC2 calls: ${summarizeCalls((await lab.ec2.control.calls()).slice(callsBefore))}`,
    );
  });
});
