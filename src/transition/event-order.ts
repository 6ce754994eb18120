import { randomBytes } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Direction } from "./transition";
import { compareStamps, type EventStamp } from "./event-stamp";
import { bootId, isRunning, thisProcess, type ProcessIdentity } from "./process-start";
import { ownSubdirectory } from "./run-dir";
import { namesIn, textOf, unlinkIfThere } from "../host/maybe-gone";

// keepalived forks one notify process per event and never waits, so a MASTER and a BACKUP can race
// for the lock. Each event leaves a ticket stamped at arrival (see event-stamp.ts); once it holds
// the lock, an event that finds a ticket of a newer event has been superseded and is skipped: the
// newest event wins. Only a real newer event counts: one of this boot, whose process still lives
// to run it, or that already ran. A ticket names the event's word and direction, so the skipped
// one can say which event won. Tickets are a few small files on /run: they are read and written
// synchronously, which costs a cold failover far less than trips through the thread pool.

/** The event that a skipped one gave way to. */
export interface NewerEvent {
  word: string;
  direction: Direction;
}

interface TicketBody extends NewerEvent {
  boot: string;
  /** The process that runs the event (a detached worker runs its parent's). */
  owner: ProcessIdentity;
  /** done: the event ran; its ticket stays so that older stragglers see they were overtaken. */
  state: "waiting" | "done";
}

interface Ticket {
  name: string;
  stamp: EventStamp;
  body?: TicketBody;
}

export class EventTicket {
  private constructor(
    private readonly dir: string,
    readonly name: string,
    private readonly stamp: EventStamp,
    private readonly body: TicketBody,
  ) {}

  /** Leaves the ticket of an event stamped at its arrival, before it waits for the lock. */
  static async issue(runDir: string, cluster: string, event: NewerEvent, stamp: EventStamp): Promise<EventTicket> {
    const dir = await ownSubdirectory(runDir, `${cluster}.events`);
    const body: TicketBody = { ...event, boot: bootId(), owner: thisProcess(), state: "waiting" };
    const ticket = new EventTicket(dir, ticketName(stamp), stamp, body);
    ticket.write();
    return ticket;
  }

  /** The newest event that arrived after this one and has run or will run; undefined if none. */
  async supersededBy(): Promise<NewerEvent | undefined> {
    const newer = this.listing().tickets.filter((t) => t.body && isReal(t.body) && compareStamps(t.stamp, this.stamp) > 0);
    newer.sort((x, y) => compareStamps(y.stamp, x.stamp));
    const winner = newer[0]?.body;
    return winner && { word: winner.word, direction: winner.direction };
  }

  /**
   * Ran: marks this ticket done and removes every older one, and everything that stands for no
   * event (tickets of an earlier boot or of a process that died before it ran, unreadable ones,
   * half-written ones of dead processes). This one stays, so that an older event still waiting for
   * the lock finds it and knows it was overtaken.
   */
  async retire(): Promise<void> {
    this.body.state = "done";
    this.write();
    const { names, tickets: read } = this.listing();
    const tickets = new Map(read.map((t) => [t.name, t]));
    const stale = names.filter((name) => {
      if (name === this.name) return false;
      const ticket = tickets.get(name);
      if (ticket) return !ticket.body || !isReal(ticket.body) || compareStamps(ticket.stamp, this.stamp) < 0;
      const writer = writerOf(name);
      return !writer || !isRunning(writer);
    });
    for (const name of stale) unlinkIfThere(join(this.dir, name));
  }

  /** Skipped: only this ticket goes. */
  async withdraw(): Promise<void> {
    unlinkIfThere(join(this.dir, this.name));
  }

  /** Whole or not at all: a reader never sees a ticket without its event. */
  private write(): void {
    const temporary = join(this.dir, `.${this.body.owner.pid}-${this.body.owner.start}.${randomBytes(4).toString("hex")}`);
    try {
      writeFileSync(temporary, `${JSON.stringify(this.body)}\n`, { mode: 0o600 });
      renameSync(temporary, join(this.dir, this.name));
    } catch (e) {
      unlinkIfThere(temporary);
      throw e;
    }
  }

  /** Every name in the directory, and the tickets among them. */
  private listing(): { names: string[]; tickets: Ticket[] } {
    const names = namesIn(this.dir);
    const tickets: Ticket[] = [];
    for (const name of names) {
      const stamp = stampOfName(name);
      if (stamp) tickets.push({ name, stamp, body: parseBody(textOf(join(this.dir, name))) });
    }
    return { names, tickets };
  }
}

/** Fixed-width decimal, so that a listing reads in time order; the PID is the second field. */
function ticketName(s: EventStamp): string {
  return `${String(s.ticks).padStart(12, "0")}-${String(s.pid).padStart(8, "0")}-${s.seq}`;
}

function stampOfName(name: string): EventStamp | undefined {
  const m = /^(\d{12,15})-(\d{8,10})-(\d{1,9})$/.exec(name);
  return m ? { ticks: Number(m[1]), pid: Number(m[2]), seq: Number(m[3]) } : undefined;
}

/** The process writing a half-written ticket (`.PID-START.RANDOM`). */
function writerOf(name: string): ProcessIdentity | undefined {
  const m = /^\.(\d+)-(\d+)\.[0-9a-f]+$/.exec(name);
  return m ? { pid: Number(m[1]), start: Number(m[2]) } : undefined;
}

/** An event of this boot that ran, or whose process still lives to run it. */
function isReal(body: TicketBody): boolean {
  return body.boot === bootId() && (body.state === "done" || isRunning(body.owner));
}

function parseBody(text: string): TicketBody | undefined {
  try {
    const b = JSON.parse(text) as Partial<TicketBody>;
    const owner = b.owner as Partial<ProcessIdentity> | undefined;
    if (
      typeof b.word === "string" &&
      (b.direction === "acquire" || b.direction === "release") &&
      typeof b.boot === "string" &&
      (b.state === "waiting" || b.state === "done") &&
      Number.isSafeInteger(owner?.pid) &&
      Number.isSafeInteger(owner?.start)
    )
      return b as TicketBody;
  } catch {
    // not a ticket of ours
  }
  return undefined;
}
