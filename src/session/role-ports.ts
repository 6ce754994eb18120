import type { EC2Client } from "@aws-sdk/client-ec2";
import type { Route53Client } from "@aws-sdk/client-route-53";
import { createEc2Client } from "../cloud/ec2-client";
import type { Identity } from "../cloud/identity";
import { sessionNameFor, type AssumedRole } from "../cloud/roles/acting-role";
import { RoleCredentials, type TemporaryCredentials } from "../cloud/roles/role-credentials";
import type { ClusterDescription } from "../cluster/schema";
import { findSelf } from "../cluster/self";

// The clients of the roles a description names: for each role one set of temporary keys (assumed
// on first use, renewed before expiry, kept for the process) and one client per service, so a
// resident reader's connections and keys outlive its events. STS's client is imported on the first
// AssumeRole: a cluster without roles never loads it.

type StsModule = typeof import("../cloud/roles/sts-sdk");

export class RolePorts {
  private readonly credentials = new Map<string, RoleCredentials>();
  private readonly ec2Clients = new Map<string, EC2Client>();
  private readonly route53Clients = new Map<string, Route53Client>();
  private sts: Promise<{ sdk: StsModule; client: ReturnType<StsModule["createStsClient"]> }> | undefined;
  private region: string | undefined;
  private sessionName = sessionNameFor("node");

  constructor(
    private readonly description: ClusterDescription,
    private readonly options: { loadSts?: () => Promise<StsModule>; now?: () => number } = {},
  ) {}

  /** What the node learnt from IMDS: its region (for STS's endpoint) and its name (for the session's). */
  identify(identity: Identity): void {
    this.region = this.description.region ?? identity.region;
    let name: string;
    try {
      name = findSelf(this.description, identity.instanceId, identity.localIpv4s).name;
    } catch {
      // The transition fails on it with its own message; the session is named after the instance meanwhile.
      name = identity.instanceId;
    }
    this.sessionName = sessionNameFor(name);
  }

  /** The role's keys, as the SDK's credential provider asks for them (before every request it signs). */
  credentialsOf(role: AssumedRole): () => Promise<TemporaryCredentials> {
    let held = this.credentials.get(role.roleArn);
    if (!held) {
      held = new RoleCredentials(async () => {
        const { sdk, client } = await this.stsClient();
        return sdk.assumeRole(client, role, this.sessionName);
      }, this.options.now);
      this.credentials.set(role.roleArn, held);
    }
    const kept = held;
    return () => kept.get();
  }

  /** EC2 as the role, one client per role (and one more for single-attempt calls). */
  ec2Client(role: AssumedRole, region: string, maxAttempts?: number): EC2Client {
    const key = `${role.roleArn} ${maxAttempts ?? ""}`;
    let client = this.ec2Clients.get(key);
    if (!client) {
      client = createEc2Client({
        region,
        timeouts: this.description.timeouts,
        credentials: this.credentialsOf(role),
        ...(maxAttempts !== undefined ? { maxAttempts } : {}),
      });
      this.ec2Clients.set(key, client);
    }
    return client;
  }

  /** Route53 as the role, one client per role; `create` makes it from the role's credential provider. */
  route53Client(role: AssumedRole, create: (credentials: () => Promise<TemporaryCredentials>) => Route53Client): Route53Client {
    let client = this.route53Clients.get(role.roleArn);
    if (!client) {
      client = create(this.credentialsOf(role));
      this.route53Clients.set(role.roleArn, client);
    }
    return client;
  }

  private stsClient(): Promise<{ sdk: StsModule; client: ReturnType<StsModule["createStsClient"]> }> {
    const loading = (this.sts ??= (this.options.loadSts ?? (() => import("../cloud/roles/sts-sdk")))().then((sdk) => ({
      sdk,
      // identify() has run by then: every transition and check asks for the node's own EC2 first.
      // Without a region, STS's global endpoint (signed for us-east-1) answers.
      client: sdk.createStsClient({ region: this.region ?? "us-east-1", timeouts: this.description.timeouts }),
    })));
    // A failed load is not kept: the next event tries again.
    loading.catch(() => {
      if (this.sts === loading) this.sts = undefined;
    });
    return loading;
  }
}
