import { describe, expect, it } from "vitest";
import { PowerSwitch, powerStatusOf } from "../../../src/fence/power";
import { memoryLog } from "../support/memory-log";
import { FakeEc2 } from "../support/fake-ec2";

// off, on and status over the EC2 port: what is sent, what counts as done, and that every wait ends.

const peer = { node: "lab-b", instanceId: "i-0a000000000000b02" };

function world(state: "running" | "stopped" | "stopping" | "terminated" = "running") {
  const ec2 = new FakeEc2();
  ec2.addInstance(peer.instanceId, "eu-west-1a", state);
  const { log, lines } = memoryLog();
  return { ec2, lines, power: new PowerSwitch(ec2, log, 5_000) };
}

describe("an instance's power through fence_aws_ha", () => {
  it("off stops a running instance with StopInstances and waits until EC2 says stopped", async () => {
    const { ec2, power } = world();
    await power.off(peer);
    expect(ec2.calls).toEqual([`stopInstance ${peer.instanceId}`]);
    expect(await power.state(peer)).toBe("stopped");
  });

  it("off of an instance that is stopped or terminated already sends nothing and succeeds", async () => {
    for (const state of ["stopped", "terminated"] as const) {
      const { ec2, power, lines } = world(state);
      await power.off(peer);
      expect(ec2.calls).toEqual([]);
      expect(lines.join("\n")).toContain(`is ${state} already`);
    }
  });

  it("off fails with the last state EC2 gave when the instance does not stop within power_timeout", async () => {
    const { ec2 } = world();
    ec2.stopDescribes = Infinity;
    const fast = new PowerSwitch(ec2, memoryLog().log, 600);
    await expect(fast.off(peer)).rejects.toThrow(/did not finish stop within power_timeout \(1 s\); EC2 last said stopping/);
  });

  it("on starts a stopped instance; a running one is left alone", async () => {
    const stopped = world("stopped");
    await stopped.power.on(peer);
    expect(stopped.ec2.calls).toEqual([`startInstance ${peer.instanceId}`]);
    expect(await stopped.power.state(peer)).toBe("running");
    const running = world("running");
    await running.power.on(peer);
    expect(running.ec2.calls).toEqual([]);
  });

  it("on refuses a terminated instance", async () => {
    await expect(world("terminated").power.on(peer)).rejects.toThrow(/terminated and cannot be started/);
  });

  it("status: running is on, stopped and terminated are off, the rest neither", () => {
    expect(powerStatusOf("running")).toBe("on");
    expect(powerStatusOf("stopped")).toBe("off");
    expect(powerStatusOf("terminated")).toBe("off");
    for (const s of ["pending", "stopping", "shutting-down"] as const) expect(powerStatusOf(s)).toBe("transitional");
  });
});
