import type { Ec2, InstanceState } from "../cloud/ec2-port";
import { AwsHaError } from "../errors";
import type { Logger } from "../log";
import { Deadline, pollUntil } from "../time/deadline";
import type { FenceTarget } from "./targets";

// An instance's power, as the fence-agents protocol sees it: on, off, or neither yet. `off` stops
// the instance with Force (and SkipOsShutdown: a hung peer never finishes a shutdown) and waits for
// EC2 to say `stopped`; an instance that is off already needs nothing. `on` starts it and waits for
// `running`. Every wait is bounded by power_timeout; a wait that runs out is a failure, never a
// guess, because Pacemaker recovers the fenced node's resources the moment off succeeds.

export type PowerPort = Pick<Ec2, "describeInstance" | "stopInstance" | "startInstance">;

/** What status answers: on, off, or a state on the way (stopping, pending) that is neither. */
export type PowerStatus = "on" | "off" | "transitional";

export function powerStatusOf(state: InstanceState): PowerStatus {
  if (state === "running") return "on";
  // A terminated instance runs nothing, and never will again.
  if (state === "stopped" || state === "terminated") return "off";
  return "transitional";
}

export class PowerSwitch {
  constructor(
    private readonly ec2: PowerPort,
    private readonly log: Logger,
    /** power_timeout: how long off (or on) may wait for EC2 to report the new state. */
    private readonly powerTimeoutMs: number,
  ) {}

  async state(target: FenceTarget): Promise<InstanceState> {
    return (await this.ec2.describeInstance(target.instanceId)).state;
  }

  async off(target: FenceTarget): Promise<void> {
    const deadline = new Deadline(this.powerTimeoutMs);
    let state = await this.state(target);
    if (powerStatusOf(state) === "off") {
      this.log.info(`off: ${label(target)} is ${state} already`, { instance: target.instanceId });
      return;
    }
    // EC2 refuses to stop a pending instance: wait until it runs (or someone else stopped it).
    if (state === "pending") state = await this.waitFor(target, deadline, (s) => s !== "pending", "to leave pending");
    if (powerStatusOf(state) === "off") return;
    // Also for `stopping`: a graceful stop already under way may wait for an OS that hangs; Force ends it.
    if (state !== "shutting-down") await this.ec2.stopInstance(target.instanceId);
    this.log.info(`off: StopInstances (Force) sent for ${label(target)}, was ${state}`, { instance: target.instanceId });
    await this.waitFor(target, deadline, (s) => powerStatusOf(s) === "off", "to stop");
    this.log.info(`off: ${label(target)} stopped`, { instance: target.instanceId });
  }

  async on(target: FenceTarget): Promise<void> {
    const deadline = new Deadline(this.powerTimeoutMs);
    let state = await this.state(target);
    if (state === "terminated")
      throw new AwsHaError("conflict", `${label(target)} is terminated and cannot be started`, {
        resource: target.instanceId,
        fix: "replace the node's instance and update the host map or the description",
      });
    if (state === "running") {
      this.log.info(`on: ${label(target)} is running already`, { instance: target.instanceId });
      return;
    }
    // EC2 starts only a stopped instance: a stop under way finishes first.
    if (state === "stopping" || state === "shutting-down")
      state = await this.waitFor(target, deadline, (s) => s === "stopped" || s === "terminated", "to finish stopping");
    if (state === "stopped") {
      await this.ec2.startInstance(target.instanceId);
      this.log.info(`on: StartInstances sent for ${label(target)}`, { instance: target.instanceId });
    }
    await this.waitFor(target, deadline, (s) => s === "running" || s === "terminated", "to run");
    if ((await this.state(target)) !== "running")
      throw new AwsHaError("conflict", `${label(target)} was terminated while it started`, { resource: target.instanceId });
    this.log.info(`on: ${label(target)} running`, { instance: target.instanceId });
  }

  private async waitFor(
    target: FenceTarget,
    deadline: Deadline,
    done: (s: InstanceState) => boolean,
    what: string,
  ): Promise<InstanceState> {
    let last: InstanceState | undefined;
    try {
      return await pollUntil(
        async () => {
          last = await this.state(target);
          return done(last) ? last : undefined;
        },
        {
          deadline,
          limitMs: deadline.remainingMs(),
          waitingFor: `waiting for ${label(target)} ${what}`,
          resource: target.instanceId,
          maxDelayMs: 1000,
        },
      );
    } catch (e) {
      if (!(e instanceof AwsHaError) || e.kind !== "timeout") throw e;
      throw new AwsHaError(
        "timeout",
        `${label(target)} did not finish ${what.replace(/^to /, "")} within power_timeout (${Math.round(this.powerTimeoutMs / 1000)} s); EC2 last said ${last ?? "nothing"}`,
        {
          resource: target.instanceId,
          fix: "raise power_timeout (and the stonith device's pcmk_*_timeout with it), or see the instance in the EC2 console",
        },
      );
    }
  }
}

function label(target: FenceTarget): string {
  return target.node ? `${target.node} (${target.instanceId})` : target.instanceId;
}
