import { AwsHaError } from "../errors";
import type { PowerPort } from "./power";
import type { FenceTarget } from "./targets";

// Two nodes cut off from each other each try to fence the other. The one whose instance is already
// being stopped must not go on and stop its peer as well, or the partition ends with both nodes
// down. So, right before off (after the delay that gives one side the head start), the agent looks
// at its own instance and fences only while that runs. Run from somewhere that is not a node of the
// cluster (an operator's machine), there is no own instance: skip_race_check says so.

export interface RaceCheckPorts {
  /** This machine's instance id (IMDS); throws when there is none to ask. */
  ownInstanceId: () => Promise<string>;
  ec2: Pick<PowerPort, "describeInstance">;
}

export async function ensureFencerRuns(ports: RaceCheckPorts, target: FenceTarget): Promise<void> {
  let own: string;
  try {
    own = await ports.ownInstanceId();
  } catch (e) {
    throw new AwsHaError(
      "cloud",
      `refusing to fence ${labelOf(target)}: cannot tell whether this node's own instance runs (the instance metadata service did not answer)`,
      { fix: "fence from a node of the cluster, or pass skip_race_check=1 when the agent runs outside EC2" },
      { cause: e },
    );
  }
  if (own === target.instanceId) return;
  const { state } = await ports.ec2.describeInstance(own);
  if (state !== "running")
    throw new AwsHaError("conflict", `refusing to fence ${labelOf(target)}: this node's own instance ${own} is ${state}`, {
      resource: target.instanceId,
      fix: "nothing to do here: a node that is itself being stopped leaves fencing to the survivor",
    });
}

function labelOf(target: FenceTarget): string {
  return target.node ? `${target.node} (${target.instanceId})` : target.instanceId;
}
