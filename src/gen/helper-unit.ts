import type { ClusterDescription } from "../cluster/schema";
import template from "../../templates/aws-ha-notify.service.eta";
import { wantsHeartbeat, wantsKeepalived } from "./node-roles";
import { residentNode } from "./resident-node";
import { systemdCommandLine } from "./systemd-command-line";
import { renderTemplate } from "./template-engine";

// The resident helper's systemd unit, one text for the Debian package (/usr/bin paths, its man
// page) and for `aws-ha-gen all` (the description's paths, node found on PATH as keepalived's FIFO
// reader finds it). The helper only pays off where a daemon starts one aws-ha-notify per event:
// Heartbeat (aws-ha-notify or aws-ha-updateeip from haresources), Pacemaker, and keepalived without
// its notify FIFO (whose reader is resident already).

export const helperUnitName = "aws-ha-notify.service";

export interface HelperUnitOptions {
  /** The program and flags that run the bundle: the resident flags always (resident-node.ts). */
  node: readonly string[];
  /** Where aws-ha-notify is installed. */
  notifyPath: string;
  /** The description the helper reads when it starts (its own default when absent). */
  clusterPath?: string;
  /** Whether the aws-ha-notify(1) man page is installed (the package's) for Documentation=. */
  manPage: boolean;
}

export function renderHelperUnit(options: HelperUnitOptions): string {
  const cluster = options.clusterPath === undefined ? [] : ["--cluster", options.clusterPath];
  return renderTemplate(template, {
    manPage: options.manPage,
    execStart: systemdCommandLine([...options.node, options.notifyPath, ...cluster, "serve"]),
  });
}

/** The unit as `aws-ha-gen all` renders it for a node of `d`. */
export function renderNodeHelperUnit(d: ClusterDescription, clusterPath: string): string {
  return renderHelperUnit({ node: residentNode, notifyPath: d.paths.notify, clusterPath, manPage: false });
}

/** The daemons of the description that start one aws-ha-notify (or aws-ha-updateeip) per event, which the helper speeds up. */
export function daemonsCallingPerEvent(d: ClusterDescription): string[] {
  return [
    ...(wantsKeepalived(d) && d.keepalived?.notifyFifo === false ? ["keepalived (notifyFifo: false)"] : []),
    ...(wantsHeartbeat(d) ? ["Heartbeat"] : []),
    ...(d.manager === "pacemaker" ? ["Pacemaker"] : []),
  ];
}
