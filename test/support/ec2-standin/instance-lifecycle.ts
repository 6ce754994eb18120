import type { Ec2World, Instance } from "./world";
import type { InstanceStateName } from "./world-spec";
import { releaseWaitingDetaches } from "./volume-lifecycle";

// Instance power transitions. A stop takes timing.stopMs (with or without Force: the stand-in has
// no guest OS that could refuse to shut down); a start takes timing.startMs. A stopped instance
// keeps its EBS volumes, interfaces and Elastic IP associations, as EBS-backed instances in a VPC do.

/** EC2's numeric state codes (the low byte of InstanceState.Code). */
export const instanceStateCodes: Readonly<Record<InstanceStateName, number>> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export function beginStop(world: Ec2World, instance: Instance): void {
  if (instance.state !== "running") return;
  world.setInstanceState(instance, "stopping");
  world.later(world.timing.stopMs, () => completeStop(world, instance));
}

export function completeStop(world: Ec2World, instance: Instance): void {
  if (instance.state !== "stopping") return;
  world.setInstanceState(instance, "stopped");
  releaseWaitingDetaches(world, instance.instanceId);
}

export function beginStart(world: Ec2World, instance: Instance): void {
  if (instance.state !== "stopped") return;
  world.setInstanceState(instance, "pending");
  world.later(world.timing.startMs, () => {
    if (instance.state === "pending") world.setInstanceState(instance, "running");
  });
}

/**
 * The lab's own hand on the power button: the instance is running the moment this returns. A stop
 * still in progress is finished first, so what waited for the OS to let go is released.
 */
export function powerOn(world: Ec2World, instance: Instance): void {
  if (instance.state === "stopping") completeStop(world, instance);
  if (instance.state === "stopped" || instance.state === "pending") world.setInstanceState(instance, "running");
}
