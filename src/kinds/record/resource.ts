import { canonicalAddress } from "../../cluster/ip-addresses";
import type { RecordSetView, Route53 } from "../../cloud/route53-port";
import { AwsHaError } from "../../errors";
import { holderName } from "../holder-name";
import type { Holding, Outcome, Resource, TransitionContext } from "../resource";
import { waitAtMost } from "../waits";
import type { RecordSpec } from "./schema";
import { dnsName } from "./spec";

/** What inspect read, kept for the acquire or release that follows it, so that they need not read again. */
const readBy = new WeakMap<Holding, RecordSetView | undefined>();

/**
 * A Route53 A or AAAA record with one value: this node's own address (the name follows the master),
 * a vip's address or an eip's public address (the name follows whoever holds that vip or eip).
 */
export class RecordResource implements Resource {
  readonly kind = "record" as const;
  readonly inspectable = true;
  readonly name: string;
  private readonly recordName: string;

  constructor(
    readonly spec: RecordSpec,
    readonly dependsOn: readonly string[] = [],
  ) {
    this.name = spec.name;
    this.recordName = dnsName(spec.recordName);
  }

  async inspect(ctx: TransitionContext): Promise<Holding> {
    const [now, wanted, targetHolder] = await Promise.all([this.read(ctx), this.value(ctx), this.targetHolder(ctx)]);
    const holding = this.holdingOf(ctx, now, wanted, targetHolder);
    readBy.set(holding, now);
    return holding;
  }

  async acquire(ctx: TransitionContext, before: Holding): Promise<Outcome> {
    if (before.held) return "unchanged";
    const now = readBy.has(before) ? readBy.get(before) : await this.read(ctx);
    if (now?.special)
      throw new AwsHaError(
        "conflict",
        `${this.recordName} ${this.spec.type} in zone ${this.spec.hostedZoneId} is ${now.special}, which aws-ha does not rewrite`,
        {
          resource: this.label,
          fix: "delete that record in Route53, or give the resource a name of its own",
        },
      );
    const value = await this.value(ctx);
    // A vip's or an eip's address is the same on every node: the record may already say it.
    if (now && now.values.length === 1 && sameAddress(now.values[0]!, value) && now.ttl === this.spec.ttl) {
      ctx.log.info(`${this.recordName} already points at ${value}`, { was: before.detail });
      return "unchanged";
    }
    ctx.log.info(`pointing ${this.recordName} ${this.spec.type} at ${value} (TTL ${this.spec.ttl} s)`, { was: before.detail });
    const change = await route53Of(ctx).upsertRecord(this.spec.hostedZoneId, {
      name: this.recordName,
      type: this.spec.type,
      ttl: this.spec.ttl,
      value,
    });
    await this.waitInSync(ctx, change.id, change.status);
    return "changed";
  }

  async release(ctx: TransitionContext): Promise<Outcome> {
    if (!this.spec.release) return "unchanged";
    // Read again: the peer may have pointed the record at itself since inspect.
    const now = await this.read(ctx);
    const ours = await this.value(ctx);
    if (!now || now.special || now.values.length !== 1 || !sameAddress(now.values[0]!, ours)) {
      ctx.log.info(
        `leaving ${this.recordName} alone: it ${now ? `points at ${now.values.join(", ") || "nothing"}` : "does not exist"} now`,
      );
      return "unchanged";
    }
    ctx.log.info(`deleting ${this.recordName} ${this.spec.type} ${now.values[0]}`);
    // A DELETE names the record's exact values: Route53 refuses it once the peer has changed them.
    const change = await route53Of(ctx).deleteRecord(this.spec.hostedZoneId, now);
    if (change === "differs") {
      ctx.log.info(`left ${this.recordName} alone: it changed meanwhile and is no longer ours (Route53 refused the DELETE)`);
      return "unchanged";
    }
    await this.waitInSync(ctx, change.id, change.status);
    return "changed";
  }

  summary(action: "acquire" | "release"): string {
    const what = `record ${this.recordName}`;
    if (action === "release") return `${what} deleted`;
    const target = this.spec.pointsAt;
    return `${what} → ${target === "node" ? "this node's address" : "vip" in target ? `vip ${target.vip}` : `eip ${target.eip}`}`;
  }

  private holdingOf(ctx: TransitionContext, now: RecordSetView | undefined, wanted: string, targetHolder: string | undefined): Holding {
    const where = `${this.recordName} ${this.spec.type}`;
    if (!now) return { held: false, detail: `${where}: no such record` };
    if (now.special) return { held: false, detail: `${where} is ${now.special}` };
    const values = now.values.join(", ");
    const right = now.values.length === 1 && sameAddress(now.values[0]!, wanted);
    if (this.spec.pointsAt === "node") {
      const node = ctx.description.nodes.find(
        (n) => now.values.length === 1 && sameAddress(this.spec.type === "A" ? n.address : (n.address6 ?? ""), now.values[0]!),
      );
      const who = node ? holderName(ctx, node.instanceId) : "outside the cluster";
      return { held: right, holder: node?.instanceId, detail: `${where} ${values} (${who})` };
    }
    // The record follows its vip or eip: held here while it says the right address and that is here.
    const target = "vip" in this.spec.pointsAt ? `vip ${this.spec.pointsAt.vip}` : `eip ${this.spec.pointsAt.eip}`;
    const held = right && targetHolder === ctx.identity.instanceId;
    return {
      held,
      holder: right ? targetHolder : undefined,
      detail: `${where} ${values} (${right ? `${target}, on ${holderName(ctx, targetHolder)}` : `not ${target} at ${wanted}`})`,
    };
  }

  /** The one value this node writes. */
  private async value(ctx: TransitionContext): Promise<string> {
    const target = this.spec.pointsAt;
    if (target === "node") {
      const own = this.spec.type === "A" ? ctx.self.address : ctx.self.address6;
      if (own === undefined)
        throw new AwsHaError("config", `node ${ctx.self.name} has no IPv6 address for the AAAA record ${this.recordName}`, {
          resource: this.label,
          fix: "give the node its address6 in the cluster description",
        });
      return canonicalAddress(own);
    }
    if ("vip" in target) {
      const vip = ctx.description.resources.find((r) => r.kind === "vip" && r.name === target.vip);
      if (vip?.kind === "vip") return canonicalAddress(vip.address);
    } else {
      const eip = ctx.description.resources.find((r) => r.kind === "eip" && r.name === target.eip);
      if (eip?.kind === "eip") return eip.publicIp ?? (await ctx.ec2.describeAddress(eip.allocationId)).publicIp;
    }
    throw new AwsHaError("config", `the record ${this.recordName} points at a resource the description does not have`, {
      resource: this.label,
      fix: "run aws-ha-gen validate on the cluster description",
    });
  }

  /** The instance that holds the vip or eip the record points at; undefined for a record of the node's own address. */
  private async targetHolder(ctx: TransitionContext): Promise<string | undefined> {
    const target = this.spec.pointsAt;
    if (target === "node") return undefined;
    if ("vip" in target) {
      const vip = ctx.description.resources.find((r) => r.kind === "vip" && r.name === target.vip);
      if (vip?.kind !== "vip") return undefined;
      const eni = vip.address.includes(":")
        ? await ctx.ec2.findInterfaceByIpv6(vip.address)
        : await ctx.ec2.findInterfaceByPrivateIp(vip.address);
      return eni?.instanceId;
    }
    const eip = ctx.description.resources.find((r) => r.kind === "eip" && r.name === target.eip);
    return eip?.kind === "eip" ? (await ctx.ec2.describeAddress(eip.allocationId)).instanceId : undefined;
  }

  private read(ctx: TransitionContext): Promise<RecordSetView | undefined> {
    return route53Of(ctx).readRecord(this.spec.hostedZoneId, this.recordName, this.spec.type);
  }

  /** With waitInSync, until Route53's name servers all answer with the change, within inSyncTimeout. */
  private async waitInSync(ctx: TransitionContext, changeId: string, status: string): Promise<void> {
    if (!this.spec.waitInSync || status === "INSYNC") return;
    const r53 = route53Of(ctx);
    const inSync = await waitAtMost(
      ctx,
      {
        waitingFor: `waiting for Route53 change ${changeId} of ${this.recordName} to be INSYNC`,
        resource: this.label,
        limitMs: this.spec.inSyncTimeout * 1000,
        firstDelayMs: 500,
        maxDelayMs: 5_000,
      },
      async () => (await r53.changeStatus(changeId)).status === "INSYNC",
    );
    if (!inSync)
      ctx.log.warn(
        `Route53 change ${changeId} of ${this.recordName} is not INSYNC after ${this.spec.inSyncTimeout} s; it is accepted and Route53 goes on spreading it`,
      );
  }

  private get label(): string {
    return `record ${this.name}`;
  }
}

function sameAddress(a: string, b: string): boolean {
  return canonicalAddress(a) === canonicalAddress(b);
}

/** The Route53 port of the transition; every description with records gets one (src/session/ports.ts). */
export function route53Of(ctx: { route53?: Route53 }): Route53 {
  if (!ctx.route53)
    throw new AwsHaError("install", "this command was started without Route53, which the description's records need", {
      fix: "report this: every command that moves records builds a Route53 port",
    });
  return ctx.route53;
}
