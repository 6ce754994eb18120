import type { WorldState } from "./cloud-control";

// The lab reacts to the EC2 stand-in's world the way the real infrastructure would: a volume
// attached to an instance shows up as a block device there, a stopped instance stops running.
// One poller reads the world every few tens of milliseconds and hands each snapshot to the
// reactions in order; a reaction's failure is kept for the scenario to report, never thrown into
// the timer.

export type Reaction = (world: WorldState) => Promise<void> | void;

export class WorldWatch {
  private readonly reactions: Reaction[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private stopped = false;
  readonly problems: string[] = [];
  latest: WorldState | undefined;

  constructor(
    private readonly read: () => Promise<WorldState>,
    private readonly intervalMs = 50,
  ) {}

  react(reaction: Reaction): void {
    this.reactions.push(reaction);
  }

  start(): void {
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      if (!this.busy) {
        this.busy = true;
        try {
          await this.once();
        } finally {
          this.busy = false;
        }
      }
      if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  /** One read and one round of reactions; scenarios call it to be sure the lab caught up. */
  async once(): Promise<void> {
    let world: WorldState;
    try {
      world = await this.read();
    } catch (e) {
      this.note(`reading the EC2 stand-in's world: ${(e as Error).message}`);
      return;
    }
    this.latest = world;
    for (const reaction of this.reactions) {
      try {
        await reaction(world);
      } catch (e) {
        this.note((e as Error).message);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private note(problem: string): void {
    // The same problem every 50 ms is one problem.
    if (this.problems.at(-1) !== problem && this.problems.length < 100) this.problems.push(problem);
  }
}
