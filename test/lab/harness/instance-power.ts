import type { WorldState } from "./cloud-control";
import type { NodeMachine } from "./node-machine";

// StopInstances in the stand-in must stop the node for real, or fencing would prove nothing: the
// fenced node would keep its volume mounted while the peer mounts it too. As soon as EC2 reports
// the instance stopping (or stopped), every process of the node is killed, which also releases its
// mounts, before the stand-in lets anyone force-detach the volume.

export class InstancePower {
  readonly stoppedAt = new Map<string, number>();

  constructor(private readonly nodes: readonly { instanceId: string; machine: NodeMachine }[]) {}

  async follow(world: WorldState): Promise<void> {
    for (const { instanceId, machine } of this.nodes) {
      const state = world.instances.find((i) => i.instanceId === instanceId)?.state;
      if ((state === "stopping" || state === "stopped" || state === "shutting-down" || state === "terminated") && machine.poweredOn) {
        this.stoppedAt.set(instanceId, Date.now());
        await machine.powerOff();
      }
    }
  }
}
