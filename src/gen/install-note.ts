import type { ClusterDescription } from "../cluster/schema";
import template from "../../templates/install-note.md.eta";
import { heartbeatScriptNames } from "./heartbeat";
import { daemonsCallingPerEvent, helperUnitName } from "./helper-unit";
import { nodeNamed, wantsHeartbeat, wantsKeepalived } from "./node-roles";
import { renderTemplate } from "./template-engine";

/** INSTALL.md for one node: what goes where, in which order, with which owner and mode. */
export function renderInstallNote(d: ClusterDescription, nodeName: string, clusterPath: string): string {
  const node = nodeNamed(d, nodeName);
  const keepalived = wantsKeepalived(d);
  const heartbeat = wantsHeartbeat(d);
  const callers = daemonsCallingPerEvent(d);
  return renderTemplate(template, {
    node: node.name,
    cluster: d.cluster,
    instanceId: node.instanceId,
    clusterPath,
    paths: d.paths,
    keepalived,
    heartbeat,
    helper: callers.length > 0 && {
      step: 4 + Number(keepalived) + Number(heartbeat),
      unit: helperUnitName,
      callers: callers.join(" and "),
    },
    // Heartbeat finds haresources scripts only in resource.d (or /etc/init.d), by these names.
    resourceLinks: [
      { name: heartbeatScriptNames.notify, target: d.paths.notify },
      { name: heartbeatScriptNames.updateeip, target: d.paths.updateeip },
    ],
  });
}
