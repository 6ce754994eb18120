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

export type { Finding } from "../kinds/finding";

// `aws-ha-notify check`: everything a failover will need, tested before the failover needs it.

export interface CheckPorts {
  description: ClusterDescription;
  imds: Imds;
  ec2: (identity: Identity, deadline: Deadline) => Ec2;
  /** Present for a description with records. */
  route53?: (deadline: Deadline) => Route53;
  host: Host;
  /** Script checks (ownership and modes keepalived's script security insists on). */
  scriptProblems: (path: string) => Promise<string[]>;
  /** Where the description was read from, and who besides root may own what it names. */
  trust: { descriptionPath: string; trustedUid: number };
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

  // What each kind needs of this node, then whether the role allows what each kind does.
  const ctx: PreflightContext = { description: d, self, identity, eni, nic, imds: ports.imds, ec2, host: ports.host };
  if (ports.route53) ctx.route53 = ports.route53(deadline);
  for (const { name, kind } of registeredKinds) {
    const specs = resourcesOf(d, name);
    if (kind.preflight && specs.length > 0) findings.push(...(await kind.preflight(ctx, specs)));
  }
  findings.push(...(await probePermissions(ec2, { description: d, self, instanceId: identity.instanceId, eni })));

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
