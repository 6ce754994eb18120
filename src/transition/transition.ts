/** What a daemon told us, reduced to what this node should do about its resources. */
export type Direction = "acquire" | "release";

export interface Transition {
  direction: Direction;
  /** The daemon's word for it (MASTER, backup, start, …), for the logs. */
  cause: string;
  /** keepalived's instance or group name, when it said. */
  instance?: string;
  /** keepalived's priority (effective, with track weights; 0 for a group), when it said one that reads as a number. */
  priority?: number;
  /** Something odd about the daemon's words that did not stop the event, for the log. */
  oddity?: string;
}
