import type { EniView } from "../../cloud/ec2-port";
import { takeOverFromPeer as takeOver } from "../peer-handover";
import type { TransitionContext } from "../resource";
import { foreignAttachment } from "./attachment";
import type { EniSpec } from "./schema";
import { eniLimitSeconds } from "./spec";

// An ENI is attached to one instance at a time, and the peer's OS may still use it (its addresses,
// a licence bound to its MAC): like a volume, the peer gets fencing.peerReleaseTimeout to let go by
// itself (its own release brings the interface down and detaches it), and is fenced after that,
// if the description allows it; only then is the ENI detached from it with Force, which EC2 keeps
// as a last resort for a failed instance.

/** Returns the ENI once no other instance has it attached; throws when it cannot get there. */
export function takeOverFromPeer(ctx: TransitionContext, spec: EniSpec, eni: EniView): Promise<EniView> {
  const me = ctx.identity.instanceId;
  const id = spec.networkInterfaceId;
  return takeOver(
    ctx,
    {
      resource: `eni ${spec.name}`,
      id,
      describe: () => ctx.ec2.describeEni(id),
      foreign: (view) => foreignAttachment(view, me),
      forceDetach: async (peerId) => void (await ctx.ec2.detachEniFrom(id, peerId, true)),
      detachLimit: { seconds: eniLimitSeconds(ctx.description), setting: "timeouts.eni" },
      byHand: "detach it by hand once the peer no longer uses it",
    },
    eni,
  );
}
