import type { VolumeSpec } from "../../../src/cluster/schema";
import type { Lab } from "./lab";

// The single-writer rule checked continuously, not just at the end: every few tens of
// milliseconds, how many nodes have the volume mounted (from their mount namespaces). A moment with
// two is a violation, however short.

export interface DoubleMount {
  at: number;
  nodes: string[];
}

export class MountSampler {
  readonly doubleMounts: DoubleMount[] = [];
  samples = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly lab: Lab,
    private readonly volume: VolumeSpec,
    private readonly intervalMs = 20,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.samples++;
      const mounted = this.lab.mountedOn(this.volume).map((n) => n.name);
      if (mounted.length > 1 && this.doubleMounts.length < 100) this.doubleMounts.push({ at: Date.now(), nodes: mounted });
    }, this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
