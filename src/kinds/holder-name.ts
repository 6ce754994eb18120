import type { TransitionContext } from "./resource";

/** How logs and `show` name an instance: this node, a cluster node by its name, or a stranger by id. */
export function holderName(ctx: TransitionContext, instanceId: string | undefined): string {
  if (instanceId === undefined) return "no instance";
  if (instanceId === ctx.identity.instanceId) return "this node";
  const node = ctx.description.nodes.find((n) => n.instanceId === instanceId);
  return node ? `${node.name}, ${instanceId}` : instanceId;
}
