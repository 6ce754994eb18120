import { findSelf } from "../../cluster/self";
import { errorText } from "../../log";
import { Deadline } from "../../time/deadline";
import { inspectCluster, type ArrivedTransition, type Ports } from "../../transition/runner";
import { repairableResources, repairDrift } from "../../session/drift-repair";
import { idleConnectionMs } from "../../cloud/aws-http-handler";
import { keepCompiledCode } from "../../host/compiled-code";
import { monotonicMs } from "../../time/monotonic";

// What the FIFO reader does between events, so that an event finds everything ready: at start it
// reads the identity, builds the EC2 client and opens its connection with the read-only calls the
// first transition makes first (inspecting the network resources); while idle it keeps that
// connection in use, and after its first event it keeps its compiled code for the next start (see
// src/host/compiled-code.ts); and while this node is master it repairs drift (see drift-repair.ts).

/** Idle longer than this, the reader makes one read-only call: well inside the time an unused connection is kept. */
export const keepWarmMs = Math.min(20_000, idleConnectionMs / 2);
/** Quiet this long after its first event, the reader keeps its compiled code. */
const keepCodeAfterMs = 1000;

export interface ResidentOptions {
  only: readonly string[];
  /** keepalived.driftRepair in milliseconds; 0: off. */
  repairEveryMs: number;
  keepWarmMs?: number;
}

export class Resident {
  /** The event that made this node master; undefined while it is not. */
  private master: ArrivedTransition | undefined;
  private lastCallAt = monotonicMs();
  private lastLookAt = monotonicMs();
  /** The last call between events failed: the next failure is not warned about again. */
  private failing = false;
  /** Once an event ran, the next quiet moment keeps the compiled code (once per process). */
  private compiledCode: "no event yet" | "to keep" | "kept" = "no event yet";

  constructor(
    private readonly ports: Ports,
    private readonly options: ResidentOptions,
  ) {}

  /**
   * Gets ready for the first event. A failure (IMDS or EC2 not answering yet) never stops the
   * reader: one warning, and the first event does the work itself.
   */
  async prewarm(): Promise<void> {
    const started = monotonicMs();
    try {
      const resources = repairableResources(this.ports, this.options.only);
      if (resources.length > 0) await inspectCluster({ ...this.ports, resources });
      else await this.touchConnection();
      this.ports.log.debug("ready for the first event: identity read, EC2 connection open", {
        ms: Math.round(monotonicMs() - started),
      });
    } catch (e) {
      this.ports.log.warn(`could not get ready ahead of the first event (${errorText(e)}); the first event will do it itself`);
    } finally {
      this.lastCallAt = monotonicMs();
    }
  }

  /** After each event the reader ran: an acquire makes this node master until the next event. */
  ran(t: ArrivedTransition): void {
    if (this.compiledCode === "no event yet") this.compiledCode = "to keep";
    this.master = t.direction === "acquire" ? t : undefined;
    this.lastCallAt = this.lastLookAt = monotonicMs();
  }

  /** An event handed to a detached process (keepalived stopping): this reader is master no more. */
  handedOff(): void {
    this.master = undefined;
  }

  /** How long the reader may stay idle before `tick` has something to do. */
  dueInMs(): number {
    const now = monotonicMs();
    const warm = this.lastCallAt + (this.options.keepWarmMs ?? keepWarmMs) - now;
    const repair = this.repairing() ? this.lastLookAt + this.options.repairEveryMs - now : Number.POSITIVE_INFINITY;
    const code = this.compiledCode === "to keep" ? this.lastCallAt + keepCodeAfterMs - now : Number.POSITIVE_INFINITY;
    return Math.max(0, Math.min(warm, repair, code));
  }

  /** Whatever is due: the compiled code kept, a drift repair while master, else a call that keeps the connection open. */
  async tick(overtaken: () => boolean): Promise<void> {
    const now = monotonicMs();
    if (this.compiledCode === "to keep" && now - this.lastCallAt >= keepCodeAfterMs) {
      // While nothing waits: writing takes some milliseconds an event should not wait for.
      this.compiledCode = "kept";
      keepCompiledCode();
    }
    const repairDue = this.master !== undefined && this.repairing() && now - this.lastLookAt >= this.options.repairEveryMs;
    if (!repairDue && now - this.lastCallAt < (this.options.keepWarmMs ?? keepWarmMs)) return;
    try {
      if (repairDue) {
        this.lastLookAt = now;
        // Superseded: a newer event of another process decided; no look repairs until our next event.
        if ((await repairDrift(this.ports, this.master!, { only: this.options.only, overtaken })) === "superseded") this.master = undefined;
      } else await this.touchConnection();
      this.failing = false;
    } catch (e) {
      // Only a warning, once while it lasts (an outage would otherwise log every 20 s): the next
      // event, or the next look, tries again.
      if (!this.failing) this.ports.log.warn(`between events: ${errorText(e)}`);
      else this.ports.log.debug(`between events: ${errorText(e)}`);
      this.failing = true;
    } finally {
      this.lastCallAt = monotonicMs();
    }
  }

  private repairing(): boolean {
    return this.master !== undefined && this.options.repairEveryMs > 0;
  }

  /** One read-only call: this node's own interface. */
  private async touchConnection(): Promise<void> {
    const { ports } = this;
    const identity = await ports.imds.identity();
    const self = ports.selfFrom?.(identity) ?? findSelf(ports.description, identity.instanceId, identity.localIpv4s);
    const deadline = new Deadline(ports.description.timeouts.request * 1000 * 2);
    await ports.ec2(identity, deadline).describeInterface(self.networkInterfaceId ?? identity.networkInterfaceId);
  }
}
