import { cpSync, existsSync, mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { LabNode } from "./lab-node";

// The lab directory, logs and all, goes with the lab's teardown; a failure is easier to study with
// the logs kept elsewhere.

/** Set to a directory to keep every lab's logs there after teardown, for a closer look at a failure. */
const keepLogsVariable = "AWS_HA_LAB_KEEP_LOGS";

/**
 * Copies the lab's logs to $AWS_HA_LAB_KEEP_LOGS/<lab directory name>, if set: the EC2 stand-in's,
 * and each node's syslog, daemon logs and `nodeLogs` (paths in the node's directory).
 */
export function keepLogs(labDir: string, nodes: readonly LabNode[], nodeLogs: readonly string[] = []): void {
  const target = process.env[keepLogsVariable];
  if (!target) return;
  const dest = join(target, basename(labDir));
  const keep = (from: string, to: string) => {
    if (!existsSync(from)) return;
    mkdirSync(dirname(to), { recursive: true });
    cpSync(from, to, { recursive: true });
  };
  keep(join(labDir, "ec2-standin.log"), join(dest, "ec2-standin.log"));
  for (const node of nodes) {
    keep(join(node.machine.spec.dir, "syslog.log"), join(dest, node.name, "syslog.log"));
    keep(node.machine.logDir, join(dest, node.name, "logs"));
    for (const part of nodeLogs) keep(join(node.machine.spec.dir, part), join(dest, node.name, part));
  }
}
