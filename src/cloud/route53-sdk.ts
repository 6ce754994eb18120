import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ChangeInfo,
  type ResourceRecordSet,
} from "@aws-sdk/client-route-53";
import { awsHttpHandler } from "./aws-http-handler";
import { collectBody } from "./collect-body";
import type { ClusterDescription } from "../cluster/schema";
import { dnsName } from "../kinds/record/spec";
import { AwsHaError } from "../errors";
import type { Deadline } from "../time/deadline";
import type { ChangeView, RecordSetView, RecordType, RecordWrite, Route53 } from "./route53-port";
import { isRetryable, route53CodeOf, route53Failure } from "./route53-errors";

// The Route53 port over the AWS SDK, imported only by a cluster whose description has records (see
// lazyRoute53). The SDK makes one attempt per call: the retries are ours, because Route53's limit
// (5 requests a second per account, and PriorRequestNotComplete while an earlier change of the zone
// is applied) is met by two nodes failing over at once, and the SDK's four attempts give up within
// a few seconds where the transition's deadline has a minute or two to wait. The endpoint is the
// SDK's business, as for EC2: AWS_ENDPOINT_URL_ROUTE_53 points it at a stand-in.

/** The first pause after a throttled call; each later one doubles, up to maxBackoffMs, with full jitter. */
export const firstBackoffMs = 100;
export const maxBackoffMs = 2_000;
/** A bound on attempts besides the deadline, so that a deadline of hours cannot make a loop of thousands. */
export const maxAttempts = 40;

export interface Route53Options {
  timeouts: ClusterDescription["timeouts"];
  /** Only for tests and tools; nodes use the SDK's chain (instance profile, AWS_* env). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** An assumed role's keys, asked for before each request (src/session/role-ports.ts). */
  roleCredentials?: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date }>;
}

export function createRoute53Client(options: Route53Options): Route53Client {
  const { timeouts, roleCredentials } = options;
  const credentials = roleCredentials ?? options.credentials;
  return new Route53Client({
    // Route53 is global: its one endpoint answers for every region, signed for us-east-1.
    region: "us-east-1",
    maxAttempts: 1,
    requestHandler: awsHttpHandler(timeouts),
    streamCollector: collectBody,
    ...(credentials ? { credentials } : {}),
  });
}

export class SdkRoute53 implements Route53 {
  constructor(
    private readonly client: Route53Client,
    private readonly deadline: Deadline,
    /** Told of each retry, for the log. */
    private readonly onRetry: (action: string, code: string, delayMs: number) => void = () => undefined,
    private readonly random: () => number = Math.random,
  ) {}

  async readRecord(hostedZoneId: string, name: string, type: RecordType): Promise<RecordSetView | undefined> {
    const out = await this.call("ListResourceRecordSets", hostedZoneId, (signal) =>
      this.client.send(
        new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, StartRecordName: name, StartRecordType: type, MaxItems: 1 }),
        { abortSignal: signal },
      ),
    );
    // The list starts at the name and type asked for; the first set is another when the zone has none.
    const first = out.ResourceRecordSets?.[0];
    if (!first || dnsName(unescapeName(first.Name ?? "")) !== dnsName(name) || first.Type !== type) return undefined;
    return recordSetView(first);
  }

  async upsertRecord(hostedZoneId: string, record: RecordWrite): Promise<ChangeView> {
    const out = await this.call("ChangeResourceRecordSets", hostedZoneId, (signal) =>
      this.client.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          ChangeBatch: {
            Comment: "aws-ha acquire",
            Changes: [
              {
                Action: "UPSERT",
                ResourceRecordSet: { Name: record.name, Type: record.type, TTL: record.ttl, ResourceRecords: [{ Value: record.value }] },
              },
            ],
          },
        }),
        { abortSignal: signal },
      ),
    );
    return changeView(out.ChangeInfo);
  }

  async deleteRecord(hostedZoneId: string, current: RecordSetView): Promise<ChangeView | "differs"> {
    try {
      const out = await this.call(
        "ChangeResourceRecordSets",
        hostedZoneId,
        (signal) =>
          this.client.send(
            new ChangeResourceRecordSetsCommand({
              HostedZoneId: hostedZoneId,
              ChangeBatch: {
                Comment: "aws-ha release",
                Changes: [
                  {
                    Action: "DELETE",
                    ResourceRecordSet: {
                      Name: current.name,
                      Type: current.type as RecordType,
                      ...(current.ttl !== undefined ? { TTL: current.ttl } : {}),
                      ResourceRecords: current.values.map((Value) => ({ Value })),
                    },
                  },
                ],
              },
            }),
            { abortSignal: signal },
          ),
        { raw: true },
      );
      return changeView(out.ChangeInfo);
    } catch (e) {
      // Route53 deletes a record set only when given exactly what it holds: a refusal means the
      // record changed (or went) since it was read, and is no longer ours to delete.
      if (route53CodeOf(e) === "InvalidChangeBatch") return "differs";
      throw route53Failure("ChangeResourceRecordSets", e, hostedZoneId);
    }
  }

  async changeStatus(changeId: string): Promise<ChangeView> {
    const out = await this.call("GetChange", changeId, (signal) =>
      this.client.send(new GetChangeCommand({ Id: changeId }), { abortSignal: signal }),
    );
    return changeView(out.ChangeInfo);
  }

  /**
   * One Route53 call, sent again after throttling, a 5xx or a network failure, with jittered
   * exponential pauses, for as long as the deadline allows. `raw`: failures are thrown as the SDK's.
   */
  private async call<T>(
    action: string,
    about: string,
    send: (signal: AbortSignal) => Promise<T>,
    options: { raw?: boolean } = {},
  ): Promise<T> {
    let lastTransient: unknown;
    for (let attempt = 1; ; attempt++) {
      try {
        return await send(this.deadline.signal());
      } catch (e) {
        // The deadline cut short an attempt made after throttling (or a 5xx): that is what to report.
        if (lastTransient !== undefined && route53CodeOf(e) === "AbortError") throw route53Failure(action, lastTransient, about);
        if (!isRetryable(e)) {
          if (options.raw) throw e;
          throw route53Failure(action, e, about);
        }
        // Full jitter: two nodes throttled together must not come back together.
        const ceiling = Math.min(maxBackoffMs, firstBackoffMs * 2 ** (attempt - 1));
        const delayMs = Math.max(1, Math.round(this.random() * ceiling));
        // No time left for a pause and another attempt: what Route53 said is the answer.
        if (attempt >= maxAttempts || delayMs >= this.deadline.remainingMs()) throw route53Failure(action, e, about);
        lastTransient = e;
        this.onRetry(action, route53CodeOf(e) ?? "error", delayMs);
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }
}

function recordSetView(set: ResourceRecordSet): RecordSetView {
  const special = set.AliasTarget
    ? "an alias record"
    : set.SetIdentifier !== undefined
      ? `a record with a routing policy (set ${set.SetIdentifier})`
      : undefined;
  return {
    name: dnsName(unescapeName(set.Name ?? "")),
    type: set.Type ?? "",
    ...(set.TTL !== undefined ? { ttl: set.TTL } : {}),
    values: (set.ResourceRecords ?? []).map((r) => r.Value ?? ""),
    ...(special ? { special } : {}),
  };
}

function changeView(info: ChangeInfo | undefined): ChangeView {
  if (!info?.Id || (info.Status !== "PENDING" && info.Status !== "INSYNC"))
    throw new AwsHaError("cloud", "Route53 accepted a change but named no change id or status", {
      fix: "check the Route53 endpoint the node uses (AWS_ENDPOINT_URL_ROUTE_53) and any proxy in between",
    });
  return { id: info.Id.replace(/^\/change\//, ""), status: info.Status };
}

/** Route53 lists names with octal escapes for characters outside letters, digits, '-' and '.' ("\052" for '*'). */
function unescapeName(name: string): string {
  return name.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
