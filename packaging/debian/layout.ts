import { heartbeatScriptNames } from "../../src/gen/heartbeat";
import { ocfAgentPath } from "../../src/gen/pacemaker";

// Where each part of aws-ha lands on a Debian system. The paths of the links come from the
// generator, so that the package puts the scripts exactly where the rendered haresources and
// pacemaker.sh will look for them.

export const packageName = "aws-ha";

/** The single-file bundles in bin/, installed as /usr/bin/<name>. */
export const commands = ["aws-ha-notify", "aws-ha-updateeip", "aws-ha-gen", "aws-ha-fence"] as const;
export type CommandName = (typeof commands)[number];

export const docDir = `usr/share/doc/${packageName}`;
export const manDir = "usr/share/man/man1";

export interface PackageLink {
  /** Where the link is, relative to the root. */
  path: string;
  /** What it points at, as written into the link. */
  target: string;
}

/**
 * Heartbeat runs haresources scripts from /etc/ha.d/resource.d by name; Pacemaker finds the OCF
 * agent as /usr/lib/ocf/resource.d/<provider>/<agent>. Debian's policy: a link within one top-level
 * directory is relative, one across them absolute.
 */
export const links: readonly PackageLink[] = [
  ...Object.values(heartbeatScriptNames).map((name) => ({
    path: `etc/ha.d/resource.d/${name}`,
    target: `/usr/bin/${name}`,
  })),
  { path: ocfAgentPath.slice(1), target: "../../../../bin/aws-ha-notify" },
  // Pacemaker's fencer looks for stonith agents as /usr/sbin/fence_* only; it follows a link.
  { path: "usr/sbin/fence_aws_ha", target: "../bin/aws-ha-fence" },
  { path: "usr/share/man/man8/fence_aws_ha.8.gz", target: "../man1/aws-ha-fence.1.gz" },
];

/** The resident helper's systemd unit (src/gen/helper-unit.ts); enabled by the operator, not by the package. */
export const helperUnit = { path: "lib/systemd/system/aws-ha-notify.service" };
