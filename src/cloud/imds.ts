import { AwsHaError } from "../errors";
import { quoted } from "../log";
import { AnswerTooLarge, requestText, type TextAnswer } from "./http-text";
import { identityRules, zoneRule, type Identity, type IdentityRule, type Imds } from "./identity";

// IMDSv2 over node:http. The SDK's MetadataService has no timeout by default and fetches a
// token per request; a failover cannot afford either, so this reads the few paths it needs itself:
// one session token per process, every request bounded by `timeoutMs`.

const DEFAULT_ENDPOINT = "http://169.254.169.254";
// The longest IMDS allows; a FIFO-reading process lives long, and a 401 refreshes the token anyway.
const TOKEN_TTL_SECONDS = 21600;
/** Retries of a request that got no HTTP answer at all (refused, reset, timed out). */
const NETWORK_RETRIES = 2;
const RETRY_BACKOFF_MS = 100;
/** Far above any value read here (the identity document is about 500 bytes), far below harm. */
const MAX_ANSWER_BYTES = 64 * 1024;
const tokenPattern = /^[\x21-\x7e]{1,1024}$/;
const notEc2Fix =
  "this does not look like EC2's metadata service: check AWS_EC2_METADATA_SERVICE_ENDPOINT and any proxy between this process and 169.254.169.254";

export class FetchImds implements Imds {
  /** Where IMDS is asked, as given (or EC2's own address), without a trailing slash. */
  readonly endpoint: string;
  private readonly timeoutMs: number;
  private token: Promise<string> | undefined;
  private cached: Promise<Identity> | undefined;
  private read: Identity | undefined;
  /** An ENI keeps its MAC for life, so what IMDS names for a MAC is asked once per process. */
  private readonly enisByMac = new Map<string, Promise<string>>();

  constructor(options: { endpoint?: string; timeoutMs: number }) {
    this.endpoint = (options.endpoint || DEFAULT_ENDPOINT).replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs;
  }

  identity(): Promise<Identity> {
    if (!this.cached) {
      const reading = this.readIdentity();
      this.cached = reading;
      reading.then((identity) => (this.read = identity)).catch(() => undefined);
      // A failed read is not remembered: the next caller asks again.
      reading.catch(() => {
        if (this.cached === reading) this.cached = undefined;
      });
    }
    return this.cached;
  }

  known(): Identity | undefined {
    return this.read;
  }

  async interfaceIdOf(mac: string): Promise<string> {
    const lower = mac.toLowerCase();
    // It becomes part of a metadata path.
    if (!identityRules.mac.holds(lower))
      throw new AwsHaError("config", `${quoted(mac)} is not a MAC address`, {
        fix: "name a Linux interface backed by an ENI in nodes[].interfaces, or give that interface its networkInterfaceId, in the cluster description",
      });
    let reading = this.enisByMac.get(lower);
    if (!reading) {
      const asking = this.metadata(`network/interfaces/macs/${lower}/interface-id`, identityRules.networkInterfaceId);
      this.enisByMac.set(lower, (reading = asking));
      // A failed read is not remembered: the next caller asks again.
      asking.catch(() => {
        if (this.enisByMac.get(lower) === asking) this.enisByMac.delete(lower);
      });
    }
    return reading;
  }

  private async readIdentity(): Promise<Identity> {
    await this.sessionToken();
    const mac = this.metadata("mac", identityRules.mac);
    const primaryInterface = mac.then((m) =>
      Promise.all([
        this.metadata(`network/interfaces/macs/${m}/interface-id`, identityRules.networkInterfaceId),
        this.metadata(`network/interfaces/macs/${m}/local-ipv4s`, identityRules.localIpv4s),
      ]),
    );
    const [instanceId, region, availabilityZone, macAddress, [networkInterfaceId, localIpv4s]] = await Promise.all([
      this.metadata("instance-id", identityRules.instanceId),
      this.metadata("placement/region", identityRules.region),
      this.metadata("placement/availability-zone"),
      mac,
      primaryInterface,
    ]);
    this.check("placement/availability-zone", availabilityZone, zoneRule(region));
    return {
      instanceId,
      region,
      availabilityZone,
      mac: macAddress,
      networkInterfaceId,
      localIpv4s: localIpv4s
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean),
    };
  }

  /** One metadata path, trimmed and held to `rule`; a rejected token is replaced once. */
  private async metadata(path: string, rule?: IdentityRule): Promise<string> {
    const token = this.sessionToken();
    let answer = await this.request("GET", `/latest/meta-data/${path}`, { "x-aws-ec2-metadata-token": await token });
    if (answer.status === 401) {
      if (this.token === token) this.token = undefined;
      answer = await this.request("GET", `/latest/meta-data/${path}`, { "x-aws-ec2-metadata-token": await this.sessionToken() });
    }
    if (answer.status !== 200) throw this.refusal(`GET /latest/meta-data/${path}`, answer.status, path);
    const value = answer.body.trim();
    if (rule) this.check(path, value, rule);
    return value;
  }

  private check(path: string, value: string, rule: IdentityRule): void {
    if (!rule.holds(value))
      throw new AwsHaError(
        "cloud",
        `the instance metadata service at ${this.endpoint} answered ${path} ${quoted(value)}, which is not ${rule.what}`,
        { fix: notEc2Fix },
      );
  }

  private sessionToken(): Promise<string> {
    if (!this.token) {
      const fetching = this.fetchToken();
      this.token = fetching;
      fetching.catch(() => {
        if (this.token === fetching) this.token = undefined;
      });
    }
    return this.token;
  }

  private async fetchToken(): Promise<string> {
    const answer = await this.request("PUT", "/latest/api/token", { "x-aws-ec2-metadata-token-ttl-seconds": String(TOKEN_TTL_SECONDS) });
    if (answer.status !== 200) throw this.refusal("PUT /latest/api/token", answer.status);
    const token = answer.body.trim();
    // It travels in a header of every later request.
    if (!tokenPattern.test(token))
      throw new AwsHaError(
        "cloud",
        `the instance metadata service at ${this.endpoint} answered PUT /latest/api/token with a token that is not printable text`,
        { fix: notEc2Fix },
      );
    return token;
  }

  private async request(method: "GET" | "PUT", path: string, headers: Record<string, string>): Promise<TextAnswer> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await requestText(`${this.endpoint}${path}`, { method, headers, timeoutMs: this.timeoutMs, maxBytes: MAX_ANSWER_BYTES });
      } catch (e) {
        // An answer that size is no metadata: asking again would only read as much again.
        if (e instanceof AnswerTooLarge)
          throw new AwsHaError(
            "cloud",
            `the instance metadata service at ${this.endpoint} answered ${method} ${path} with more than ${e.limit} bytes`,
            { fix: notEc2Fix },
            { cause: e },
          );
        if (attempt >= NETWORK_RETRIES) throw this.unreachable(e);
        await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS * 2 ** attempt));
      }
    }
  }

  private unreachable(e: unknown): AwsHaError {
    const err = e as { name?: string; code?: string; message?: string };
    const reason = err.name === "TimeoutError" ? `no answer within ${this.timeoutMs} ms` : (err.code ?? err.message ?? String(e));
    return new AwsHaError(
      "cloud",
      `cannot reach the instance metadata service at ${this.endpoint} (${reason}, ${NETWORK_RETRIES + 1} tries)`,
      {
        fix:
          "run on an EC2 instance with the metadata service enabled for IMDSv2 (HttpEndpoint enabled); inside a container " +
          "raise the instance's metadata hop limit to 2 (aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2); " +
          "elsewhere set AWS_EC2_METADATA_SERVICE_ENDPOINT",
      },
      { cause: e },
    );
  }

  private refusal(request: string, status: number, path?: string): AwsHaError {
    const macPath = path?.match(/^network\/interfaces\/macs\/([^/]+)\//);
    if (status === 404 && macPath)
      return new AwsHaError("config", `no network interface with MAC ${macPath[1]} is attached to this instance (IMDS ${request}: 404)`, {
        httpStatus: status,
        fix: "name a Linux interface backed by an ENI in nodes[].interfaces, or give that interface its networkInterfaceId, in the cluster description",
      });
    if (status === 404)
      return new AwsHaError("cloud", `the instance metadata service at ${this.endpoint} has no ${path ?? request} (404 Not Found)`, {
        httpStatus: status,
        fix: "this does not look like EC2's metadata service: check AWS_EC2_METADATA_SERVICE_ENDPOINT",
      });
    if (status === 403)
      return new AwsHaError("cloud", `the instance metadata service at ${this.endpoint} refused ${request} (403 Forbidden)`, {
        httpStatus: status,
        fix: "the metadata service is turned off for this instance: aws ec2 modify-instance-metadata-options --http-endpoint enabled --http-tokens required",
      });
    return new AwsHaError("cloud", `the instance metadata service at ${this.endpoint} answered ${request} with HTTP ${status}`, {
      httpStatus: status,
      fix:
        status === 405 || status === 400
          ? "a proxy between this process and IMDS alters the request (IMDSv2 refuses X-Forwarded-For): bypass it for 169.254.169.254"
          : "retry; if it persists, check the instance's metadata options",
    });
  }
}
