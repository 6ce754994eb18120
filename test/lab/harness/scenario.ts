import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Lab } from "./lab";

// Small pieces every scenario file shares: where the fixtures are, and what to show when a
// scenario fails (the logs live in the lab directory, which teardown removes).

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}.yaml`, import.meta.url));

/** Prints the tail of every node's syslog and daemon log, for a failed scenario. */
export function dumpLogs(lab: Lab | undefined, lines = 40): void {
  if (!lab) return;
  for (const node of lab.nodes) {
    for (const file of ["syslog.log", "logs/keepalived.log", "logs/heartbeat.log", "logs/imds.log"]) {
      let text = "";
      try {
        text = readFileSync(join(node.machine.spec.dir, file), "utf8");
      } catch {
        continue;
      }
      const tail = text.trimEnd().split("\n").slice(-lines).join("\n    ");
      if (tail) console.log(`[lab] ---- ${node.name} ${file} (last ${lines} lines)\n    ${tail}`);
    }
  }
  if (lab.problems.length > 0) console.log(`[lab] lab problems: ${lab.problems.join(" | ")}`);
}

export function announceSkip(what: string, reason: string | undefined): void {
  if (reason) console.warn(`[lab] ${what} skipped: ${reason}`);
}
