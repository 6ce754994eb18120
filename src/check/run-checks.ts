import { access, constants } from "node:fs/promises";
import type { Ec2, InterfaceView } from "../cloud/ec2-port";
import type { Identity, Imds } from "../cloud/identity";
import type { Route53 } from "../cloud/route53-port";
import { descriptionDistrust, executableDistrust, executablesNamed } from "../cluster/description-trust";
import type { ClusterDescription, ClusterNode } from "../cluster/schema";
import { findSelf } from "../cluster/self";
import { errorText } from "../log";
import type { Host } from "../host/host-port";
import type { Finding, Verdict } from "../kinds/finding";
import { resourcesOf } from "../kinds/kind";
import type { PreflightContext } from "../kinds/preflight";
import { registeredKinds } from "../kinds/registry";
import { Deadline } from "../time/deadline";
import { probePermissions } from "./permission-probes";
import { partsByRole, type AssumedRole } from "../cloud/roles/acting-role";
import { awsEndpoints, proxyFindings } from "./proxy-findings";
import { fencingTimingFindings } from "./fencing-timing";

export type { Finding } from "../kinds/finding";

// `aws-ha-notify check`: everything a failover will need, tested before the failover needs it.

export interface CheckPorts {
  description: ClusterDescription;
  imds: Imds;
  ec2: (identity: Identity, deadline: Deadline, role?: AssumedRole) => Ec2;
  /** Present for a description with records. */
  route53?: (deadline: Deadline, role?: AssumedRole) => Route53;
  /** A role's keys, assumed now if not held: present for a description that names roles. */
  roleKeys?: (role: AssumedRole) => Promise<{ expiration: Date }>;
  host: Host;
  /** Script checks (ownership and modes keepalived's script security insists on). */
  scriptProblems: (path: string) => Promise<string[]>;
  /** Where the description was read from, and who besides root may own what it names. */
  trust: { descriptionPath: string; trustedUid: number };
  /** The environment the AWS clients read their proxy from (process.env by default, as theirs). */
  env?: NodeJS.ProcessEnv;
}

export async function runPreflightChecks(ports: CheckPorts): Promise<Finding[]> {
  const findings: Finding[] = [];
  const note = (verdict: Verdict, topic: string, message: string, kind?: string) => findings.push({ verdict, topic, message, kind });
  const d = ports.description;
  const deadline = new Deadline(d.timeouts.transition * 1000);

  // First, and whatever IMDS says: every other command refuses to act on an untrusted description.
  findings.push(...trustFindings(ports));

  let identity: Identity;
  try {
    identity = await ports.imds.identity();
    note(
      "ok",
      "identity",
      `${identity.instanceId} in ${identity.availabilityZone} (${identity.region}), ENI ${identity.networkInterfaceId}`,
    );
  } catch (e) {
    note("fail", "identity", errorText(e), "cloud");
    return findings;
  }
  let self: ClusterNode;
  try {
    self = findSelf(d, identity.instanceId, identity.localIpv4s);
    note("ok", "node", `this is ${self.name} (${self.address}, priority ${self.priority})`);
  } catch (e) {
    note("fail", "node", errorText(e), "config");
    return findings;
  }
  findings.push(...fencingTimingFindings(d, self));
  // Before the first call to AWS: how each endpoint is reached, and a malformed proxy stops here.
  const proxies = proxyFindings(awsEndpoints(d, d.region ?? identity.region, ports.env ?? process.env), ports.env ?? process.env);
  findings.push(...proxies);
  if (proxies.some((f) => f.verdict === "fail")) return findings;
  const ec2 = ports.ec2(identity, deadline);
  const eni = self.networkInterfaceId ?? identity.networkInterfaceId;

  try {
    const me = await ec2.describeInstance(identity.instanceId);
    note(me.state === "running" ? "ok" : "warn", "credentials", `EC2 answers; this instance is ${me.state}`);
  } catch (e) {
    note("fail", "credentials", errorText(e), (e as { kind?: string }).kind);
    return findings;
  }
  let nic: InterfaceView | undefined;
  try {
    nic = await ec2.describeInterface(eni);
    if (!nic.privateIps.includes(self.address))
      note("fail", "interface", `${eni} does not carry ${self.address}; set nodes[].networkInterfaceId for ${self.name}`, "config");
    else note("ok", "interface", `${eni} carries ${self.address} in ${nic.subnetId}`);
  } catch (e) {
    note("fail", "interface", errorText(e), (e as { kind?: string }).kind);
  }

  // What each kind needs of this node, then whether the role allows what each kind does: for the
  // resources of an assumed role, once the role is assumed, through that role's clients.
  const assumed = new Map<string, boolean>();
  for (const part of partsByRole(d)) {
    const { role, service, description } = part;
    if (role && assumed.get(role.roleArn) === false) continue;
    if (role && ports.roleKeys && !assumed.has(role.roleArn)) {
      try {
        const keys = await ports.roleKeys(role);
        note("ok", "role", `${role.roleArn} assumed; its keys are good until ${keys.expiration.toISOString()}`);
        assumed.set(role.roleArn, true);
      } catch (e) {
        note("fail", "role", errorText(e), (e as { kind?: string }).kind);
        assumed.set(role.roleArn, false);
        continue;
      }
    }
    // A role's records act as it in Route53 only; its other resources in EC2.
    const partEc2 = role && service === "ec2" ? ports.ec2(identity, deadline, role) : ec2;
    const ctx: PreflightContext = { description, self, identity, eni, nic, imds: ports.imds, ec2: partEc2, host: ports.host };
    if (ports.route53) ctx.route53 = ports.route53(deadline, service === "route53" ? role : undefined);
    for (const { name, kind } of registeredKinds) {
      const specs = resourcesOf(description, name);
      if (kind.preflight && specs.length > 0) findings.push(...(await kind.preflight(ctx, specs)));
    }
    // The EC2 reads of a role's records are the nodes' own, proven with the nodes' part.
    if (service !== "route53")
      findings.push(...(await probePermissions(partEc2, { description, self, instanceId: identity.instanceId, eni })));
  }

  // What keepalived runs is held to its script security; what aws-ha runs (hooks, init scripts) to
  // the trust findings above, which follow the path as aws-ha opens it.
  const keepalivedRuns = new Set<string>([d.paths.notify]);
  if (d.keepalived?.healthCheck) keepalivedRuns.add(d.keepalived.healthCheck.command[0]!);
  const scripts = new Set([...keepalivedRuns, ...executablesNamed(d).map((e) => e.path)]);
  for (const script of scripts) {
    const missing = await access(script, constants.X_OK).then(
      () => false,
      () => true,
    );
    if (missing) {
      note("fail", "script", `${script} is missing or not executable`, "install");
      continue;
    }
    if (!keepalivedRuns.has(script)) continue;
    const problems = await ports.scriptProblems(script);
    note(
      problems.length ? "fail" : "ok",
      "script",
      problems.length ? `${script}: ${problems.join("; ")}` : `${script} passes keepalived's script security`,
      problems.length ? "install" : undefined,
    );
  }
  return findings;
}

/** The description and each command it names: could anyone but root (or this user) change them? */
function trustFindings(ports: CheckPorts): Finding[] {
  const { descriptionPath, trustedUid } = ports.trust;
  const owners = `root${trustedUid !== 0 ? ` or uid ${trustedUid}` : ""}`;
  const judged = [
    { distrust: descriptionDistrust(descriptionPath, trustedUid), what: `the cluster description ${descriptionPath}` },
    ...executablesNamed(ports.description).map((e) => ({ distrust: executableDistrust(e, trustedUid), what: `${e.where} ${e.path}` })),
  ];
  return judged.map(({ distrust, what }): Finding =>
    distrust
      ? { verdict: "fail", topic: "trust", message: `${distrust.message}; ${distrust.fix}`, kind: "config" }
      : { verdict: "ok", topic: "trust", message: `${what} can be changed only by ${owners}` },
  );
}
