import { AwsHaError } from "../../errors";
import { quoted } from "../../log";
import type { Direction, Transition } from "../../transition/transition";

// keepalived's and init's words for an event, read into the transition they ask for. The daemons'
// dialects end here: below the front end, an event is only a direction and its cause.

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
  // Own keys only: "constructor" or "__proto__" are no states.
  const direction = Object.hasOwn(directions, word) ? directions[word] : undefined;
  if (!direction)
    throw new AwsHaError("usage", `unknown state ${quoted(state)}`, {
      fix: "expected one of MASTER, BACKUP, FAULT, STOP (keepalived) or start, stop (init-style)",
    });
  return { direction, cause: state, instance };
}

/**
 * keepalived's generic notify event, from the four words it appends: INSTANCE|GROUP, the name, the
 * state, the priority. The name is whatever the configuration says and is taken as given. A priority
 * that is not a number is odd but no reason to ignore a MASTER: the state decides.
 */
export function keepalivedEvent(type: string, name: string, state: string, priority: string): Transition | undefined {
  if (type !== "INSTANCE" && type !== "GROUP")
    throw new AwsHaError("usage", `${quoted(type)} is not INSTANCE or GROUP`, {
      fix: "keepalived's generic notify passes INSTANCE|GROUP NAME STATE PRIORITY as the last four words",
    });
  const transition = transitionFor(state, name);
  if (!transition) return undefined;
  return /^-?\d{1,9}$/.test(priority)
    ? { ...transition, priority: Number(priority) }
    : { ...transition, oddity: `keepalived's priority ${quoted(priority)} is not a number` };
}

// keepalived writes snprintf("%s \"%s\" %s %d\n", type, name, state, priority) and does not escape
// quotes in the name, so the line is read from both ends: the type first, then state and priority
// last, and the name is everything between the first quote and the last one.
const fifoLine = /^(INSTANCE|GROUP)\s+"(.*)"\s+(\S+)\s+(\S+)$/s;

/** A line from keepalived's notify FIFO: `INSTANCE "VI_1" MASTER 150`; undefined when it changes nothing. */
export function parseFifoLine(line: string): Transition | undefined {
  const m = fifoLine.exec(line.trim());
  if (!m)
    throw new AwsHaError("usage", `${quoted(line)} is not a keepalived notify line`, {
      fix: 'expected INSTANCE|GROUP "NAME" STATE PRIORITY, as keepalived writes to its notify FIFO',
    });
  return keepalivedEvent(m[1]!, m[2]!, m[3]!, m[4]!);
}
