import { cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Lab } from "./lab";

// Small pieces every scenario file shares: where the fixtures are, and what to show when a
// scenario fails (the logs live in the lab directory, which teardown removes).

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}.yaml`, import.meta.url));

/** keepalived repeats these for every gratuitous ARP; they would push everything else out of a tail. */
const noise = /gratuitous ARP/;

/** Set to a directory to keep every lab's logs there after teardown, for a closer look at a failure. */
export const keepLogsVariable = "AWS_HA_LAB_KEEP_LOGS";

/** Prints the tail of every node's syslog and daemon log and the EC2 calls, for a failed scenario. */
export async function dumpLogs(lab: Lab | undefined, lines = 60): Promise<void> {
  if (!lab) return;
  for (const node of lab.nodes) {
    for (const file of ["syslog.log", "logs/keepalived.log", "logs/heartbeat.log", "logs/imds.log"]) {
      let text = "";
      try {
        text = readFileSync(join(node.machine.spec.dir, file), "utf8");
      } catch {
        continue;
      }
      const tail = text
        .split("\n")
        .filter((l) => l.trim() && !noise.test(l))
        .slice(-lines)
        .join("\n    ");
      if (tail) console.log(`[lab] ---- ${node.name} ${file} (last ${lines} lines)\n    ${tail}`);
    }
  }
  try {
    const calls = (await lab.ec2.control.calls()).slice(-lines);
    const text = calls.map((c) => `${new Date(c.at).toISOString()} ${c.action}${c.error ? ` !${c.error}` : ""} ${c.instanceIds.join(",")}`);
    console.log(`[lab] ---- EC2 calls (last ${lines})\n    ${text.join("\n    ")}`);
  } catch (e) {
    console.log(`[lab] EC2 calls unavailable: ${(e as Error).message}`);
  }
  if (lab.problems.length > 0) console.log(`[lab] lab problems: ${lab.problems.join(" | ")}`);
}

/** Copies the lab's logs to $AWS_HA_LAB_KEEP_LOGS/<lab directory name>, if set. */
export function keepLogs(lab: Lab): void {
  const target = process.env[keepLogsVariable];
  if (!target) return;
  const dest = join(target, basename(lab.dir));
  const keep = (from: string, to: string) => {
    if (!existsSync(from)) return;
    mkdirSync(dirname(to), { recursive: true });
    cpSync(from, to, { recursive: true });
  };
  keep(join(lab.dir, "ec2-standin.log"), join(dest, "ec2-standin.log"));
  for (const node of lab.nodes) {
    keep(join(node.machine.spec.dir, "syslog.log"), join(dest, node.name, "syslog.log"));
    keep(node.machine.logDir, join(dest, node.name, "logs"));
  }
}

export function announceSkip(what: string, reason: string | undefined): void {
  if (reason) console.warn(`[lab] ${what} skipped: ${reason}`);
}
