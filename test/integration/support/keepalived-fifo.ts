import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { SimulatedNode } from "./two-node-world";

// keepalived's side of the notify FIFO, played by a scenario: keepalived makes the FIFO, holds it
// open read-write for as long as it runs, writes one line per event and closes it when it exits,
// which ends the reader.

/** The FIFO ends the scenario may have left open; closeKeepalivedFifos closes them (afterEach). */
const open = new Set<number>();

export function closeKeepalivedFifos(): void {
  for (const fd of open) closeSync(fd);
  open.clear();
}

/**
 * Makes the FIFO, holds it open and starts the node's reader on it; `say` writes one state line.
 * `fifoName` for a second reader of the same node (keepalived restarted), `env` added to the reader's.
 */
export function listenAsKeepalived(node: SimulatedNode, options: { fifoName?: string; env?: NodeJS.ProcessEnv } = {}) {
  const fifo = join(node.dir, options.fifoName ?? "notify.fifo");
  execFileSync("mkfifo", ["-m", "0600", fifo]);
  const fd = openSync(fifo, constants.O_RDWR);
  open.add(fd);
  const reader = node.start(["fifo", fifo], options.env ? { env: options.env } : {});
  return {
    reader,
    say: (state: "MASTER" | "BACKUP") => writeSync(fd, `INSTANCE "VI_1" ${state} ${state === "MASTER" ? 150 : 100}\n`),
    /** keepalived exits: the reader reads to the end and stops. */
    close: async () => {
      open.delete(fd);
      closeSync(fd);
      return reader.finished;
    },
  };
}

/** Sets keepalived.driftRepair (seconds) in the node's description. */
export function repairDriftEvery(node: SimulatedNode, seconds: number): void {
  const description = JSON.parse(readFileSync(node.clusterFile, "utf8")) as { keepalived: Record<string, unknown> };
  description.keepalived.driftRepair = seconds;
  writeFileSync(node.clusterFile, JSON.stringify(description, null, 2));
}
