import { join } from "node:path";
import type { ClusterDescription } from "../cluster/schema";
import { Logger, StreamSink, SyslogSink, type Sink } from "../log";
import type { Ports } from "../transition/runner";
import { FetchImds } from "../cloud/imds";
import { createEc2Client } from "../cloud/ec2-client";
import { SdkEc2 } from "../cloud/ec2-sdk";
import { LinuxHost } from "../host/linux-host";
import { lazyRoute53, type Route53 } from "../cloud/route53-port";
import type { Deadline } from "../time/deadline";
import { rolesNamed, type AssumedRole } from "../cloud/roles/acting-role";
import { bootId } from "../transition/process-start";
import { IdentityOfThisBoot } from "./identity-of-this-boot";
import { RolePorts } from "./role-ports";

/** stderr always; syslog too when the machine has one (keepalived gives scripts /dev/null). */
export function openLogger(tag: string, options: { logFormat: "text" | "json"; verbose: boolean }, env: NodeJS.ProcessEnv): Logger {
  const sinks: Sink[] = [new StreamSink(process.stderr, options.logFormat, options.verbose ? "debug" : "info")];
  if (env.AWS_HA_SYSLOG !== "off" && SyslogSink.available()) sinks.push(new SyslogSink(tag, options.logFormat));
  return new Logger(sinks);
}

export interface PortOptions {
  /** Ask IMDS for this instance's identity even when this boot's is kept (`check` proves that IMDS answers). */
  freshIdentity?: boolean;
}

/** The real ports: IMDSv2, EC2 through the SDK, this Linux machine. */
export function buildPorts(description: ClusterDescription, log: Logger, env: NodeJS.ProcessEnv, options: PortOptions = {}): Ports {
  const t = description.timeouts;
  const metadata = new FetchImds({ endpoint: env.AWS_EC2_METADATA_SERVICE_ENDPOINT, timeoutMs: t.metadata * 1000 });
  const imds = options.freshIdentity
    ? metadata
    : new IdentityOfThisBoot(metadata, {
        file: join(description.paths.runDir, "identity.json"),
        boot: bootId,
        endpoint: metadata.endpoint,
      });
  let client: ReturnType<typeof createEc2Client> | undefined;
  let singleAttempt: ReturnType<typeof createEc2Client> | undefined;
  // Only a description that names roles builds these (and only an AssumeRole loads STS's client).
  const roles = rolesNamed(description).length > 0 ? new RolePorts(description) : undefined;
  return {
    description,
    imds,
    ec2: (identity, deadline, role) => {
      // The SDK warns once per process that its 2027 releases will need Node 22. aws-ha supports
      // Node 20, and those seven lines would bury the one line that says what failed in every
      // Heartbeat debug log and Pacemaker stderr capture. The SDK reads its switch from process.env.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
      const region = description.region ?? identity.region;
      // Every transition asks for the node's own EC2 first: the roles learn the region and node name then.
      roles?.identify(identity);
      if (roles && role) {
        return new SdkEc2(
          roles.ec2Client(role, region),
          () => deadline.signal(),
          () => roles.ec2Client(role, region, 1),
        );
      }
      client ??= createEc2Client({ region, timeouts: t });
      return new SdkEc2(
        client,
        () => deadline.signal(),
        () => (singleAttempt ??= createEc2Client({ region, timeouts: t, maxAttempts: 1 })),
      );
    },
    ...(description.resources.some((r) => r.kind === "record") ? { route53: route53For(description, log, roles) } : {}),
    ...(roles ? { roleKeys: (role: AssumedRole) => roles.credentialsOf(role)() } : {}),
    host: new LinuxHost(),
    log,
  };
}

/**
 * Route53 through the SDK, for a description with records. Its client is imported on the first
 * call, so a cluster without records never loads it; one client for the process (a resident FIFO
 * reader keeps its connection), each transition's deadline on its calls.
 */
function route53For(description: ClusterDescription, log: Logger, roles?: RolePorts): (deadline: Deadline, role?: AssumedRole) => Route53 {
  let client: Promise<{ sdk: typeof import("../cloud/route53-sdk"); client: import("@aws-sdk/client-route-53").Route53Client }> | undefined;
  const loaded = () =>
    (client ??= Promise.resolve().then(async () => {
      // As for EC2 (above): no warning about the SDK's future Node.js versions in every log.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
      const sdk = await import("../cloud/route53-sdk");
      return { sdk, client: sdk.createRoute53Client({ timeouts: description.timeouts }) };
    }));
  return (deadline, role) =>
    lazyRoute53(async () => {
      const { sdk, client: shared } = await loaded();
      // A role's records go through that role's own client, signed with its keys.
      const made =
        roles && role
          ? roles.route53Client(role, (roleCredentials) => sdk.createRoute53Client({ timeouts: description.timeouts, roleCredentials }))
          : shared;
      return new sdk.SdkRoute53(made, deadline, (action, code, delayMs) =>
        log.info(`Route53 ${action}: ${code}, trying again in ${delayMs} ms`),
      );
    });
}
