import type { VolumeSpec } from "./schema";
import type { VolumeView } from "../../cloud/ec2-port";
import type { TransitionContext } from "../resource";
import { takeOverFromPeer as takeOver } from "../peer-handover";
import { foreignAttachment } from "./attachments";

// A volume is never attached while another instance has it: two writers corrupt the file system.
// The peer gets fencing.peerReleaseTimeout to let go by itself (its own release unmounts and
// detaches); after that it is fenced, if the description allows it and this instance is running.

/** Returns the volume once no other instance has it attached; throws when it cannot get there. */
export function takeOverFromPeer(ctx: TransitionContext, spec: VolumeSpec, volume: VolumeView): Promise<VolumeView> {
  const me = ctx.identity.instanceId;
  return takeOver(
    ctx,
    {
      resource: `volume ${spec.name}`,
      id: spec.volumeId,
      describe: () => ctx.ec2.describeVolume(spec.volumeId),
      foreign: (v) => foreignAttachment(v, me),
      forceDetach: (peerId) => ctx.ec2.detachVolume(spec.volumeId, peerId, true),
      detachLimit: { seconds: ctx.description.timeouts.volume, setting: "timeouts.volume" },
      byHand: "detach it by hand once nothing writes to it",
    },
    volume,
  );
}
