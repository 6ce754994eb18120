import { describe, expect, it } from "vitest";
import { failedCalls, stopInstancesCalls, summarizeCalls } from "./harness/api-calls";
import { printTimeline } from "./harness/figures";
import { waitForSoleHolder } from "./harness/holdings";
import type { Lab } from "./harness/lab";
import { labBlocker } from "./harness/prerequisites";
import { announceSkip, labForScenarios, startPairHoldingData } from "./harness/scenario";
import { readProof } from "./harness/volume-data";
import { waitFor } from "./harness/wait";

// Scenario 6: EC2 answers the takeover with throttling and server errors; aws-ha retries within its
// deadline and the pair still converges.

const blocker = labBlocker("keepalived");
announceSkip("keepalived EC2 faults", blocker);

describe.skipIf(blocker !== undefined)("keepalived pair: EC2 throttling and 5xx during takeover", () => {
  let lab: Lab;

  labForScenarios("keepalived-pair", "keepalived", (built) => (lab = built));

  it("6: throttling and 5xx injected during takeover; still converges within the deadline", async () => {
    const { volume, holder: first, other, proof } = await startPairHoldingData(lab);

    // Faults on calls every takeover makes: moving the address, reading the Elastic IP (it follows
    // the address, so there may be nothing to associate), detaching and attaching the volume.
    await lab.ec2.control.inject({ kind: "throttle", action: "AssignPrivateIpAddresses", count: 2 });
    await lab.ec2.control.inject({ kind: "server-error", action: "DescribeAddresses", count: 2 });
    await lab.ec2.control.inject({ kind: "throttle", action: "AttachVolume", count: 1 });
    await lab.ec2.control.inject({ kind: "server-error", action: "DescribeVolumes", count: 2 });
    const stopping = first.keepalived.stop();
    const deadlineMs = lab.description.timeouts.transition * 1000;
    const { at } = await waitForSoleHolder(lab, other, deadlineMs);
    const { at: stoppedAt } = await stopping;
    const calls = await lab.ec2.control.calls();
    const failures = failedCalls(calls, stoppedAt);
    // The faults were really met, and retried past: the new master's transition completed.
    const codes = new Set(failures.map((c) => c.error));
    expect(codes, summarizeCalls(failures)).toContain("RequestLimitExceeded");
    expect(codes, summarizeCalls(failures)).toContain("InternalError");
    await waitFor(() => other.notify(stoppedAt).some((r) => r.msg.startsWith("acquire done")), {
      what: `${other.name}'s aws-ha-notify to log "acquire done" (its transition: ${other
        .notify(stoppedAt)
        .map((r) => r.msg)
        .join(" | ")})`,
      timeoutMs: 5_000,
    });
    expect(stopInstancesCalls(calls, stoppedAt)).toEqual([]);
    expect(at - stoppedAt).toBeLessThan(deadlineMs);
    expect(await readProof(other, volume.mountPoint)).toBe(proof);
    await lab.ec2.control.clearFaults();
    printTimeline({
      scenario: "6 takeover under EC2 faults",
      cause: "SIGTERM",
      causeAt: stoppedAt,
      daemonAt: other.vrrpStateLines("MASTER", stoppedAt)[0],
      notify: other.notify(stoppedAt),
      convergedAt: at,
      notes: [`faults answered: ${summarizeCalls(failures)}`, `EC2 calls: ${summarizeCalls(calls.filter((c) => c.at >= stoppedAt))}`],
    });
  });
});
