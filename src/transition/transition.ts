import { AwsHaError } from "../errors";

/** What a daemon told us, reduced to what this node should do about its resources. */
export type Direction = "acquire" | "release";

export interface Transition {
  direction: Direction;
  /** The daemon's word for it (MASTER, backup, start, …), for the logs. */
  cause: string;
  /** keepalived's instance or group name, when it said. */
  instance?: string;
}

const directions: Record<string, Direction> = {
  master: "acquire",
  start: "acquire",
  backup: "release",
  fault: "release",
  stop: "release",
  deleted: "release",
};

/**
 * keepalived's states (MASTER/BACKUP/FAULT/STOP/DELETED) and the init-style start/stop.
 * MASTER_RX_LOWER_PRI and the *_PRIORITY notifications change nothing about who holds what.
 */
export function transitionFor(state: string, instance?: string): Transition | undefined {
  const word = state.toLowerCase();
  if (word === "master_rx_lower_pri" || word === "master_priority" || word === "backup_priority") return undefined;
  const direction = directions[word];
  if (!direction)
    throw new AwsHaError("usage", `unknown state ${JSON.stringify(state)}`, {
      fix: "expected one of MASTER, BACKUP, FAULT, STOP (keepalived) or start, stop (init-style)",
    });
  return { direction, cause: state, instance };
}

/** A line from keepalived's notify FIFO: `INSTANCE "VI_1" MASTER 150`. */
export function parseFifoLine(line: string): Transition | undefined {
  const m = /^(INSTANCE|GROUP)\s+"([^"]*)"\s+(\S+)(?:\s+(-?\d+))?\s*$/.exec(line.trim());
  if (!m) return undefined;
  return transitionFor(m[3]!, m[2]!);
}
