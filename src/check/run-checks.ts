import { access, constants, stat } from "node:fs/promises";
import type { Ec2 } from "../cloud/ec2-port";
import type { Identity, Imds } from "../cloud/identity";
import { descriptionDistrust, executableDistrust, executablesNamed } from "../cluster/description-trust";
import type { ClusterDescription, ClusterNode } from "../cluster/schema";
import { findSelf } from "../cluster/self";
import { errorText } from "../log";
import type { Host } from "../host/host-port";
import { Deadline } from "../time/deadline";
import { probePermissions } from "./permission-probes";

// `aws-ha-notify check`: everything a failover will need, tested before the failover needs it.

export type Verdict = "ok" | "warn" | "fail";
export interface Finding {
  verdict: Verdict;
  topic: string;
  message: string;
  /** The error kind behind a failure, for the exit code. */
  kind?: string;
}

export interface PreflightWorld {
  description: ClusterDescription;
  imds: Imds;
  ec2: (identity: Identity, deadline: Deadline) => Ec2;
  host: Host;
  /** Script checks (ownership and modes keepalived's script security insists on). */
  scriptProblems: (path: string) => Promise<string[]>;
  /** Where the description was read from, and who besides root may own what it names. */
  trust: { descriptionPath: string; trustedUid: number };
}

export async function runPreflightChecks(world: PreflightWorld): Promise<Finding[]> {
  const findings: Finding[] = [];
  const note = (verdict: Verdict, topic: string, message: string, kind?: string) => findings.push({ verdict, topic, message, kind });
  const d = world.description;
  const deadline = new Deadline(d.timeouts.transition * 1000);

  // First, and whatever IMDS says: every other command refuses to act on an untrusted description.
  findings.push(...trustFindings(world));

  let identity: Identity;
  try {
    identity = await world.imds.identity();
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
  const ec2 = world.ec2(identity, deadline);
  const eni = self.networkInterfaceId ?? identity.networkInterfaceId;

  try {
    const me = await ec2.describeInstance(identity.instanceId);
    note(me.state === "running" ? "ok" : "warn", "credentials", `EC2 answers; this instance is ${me.state}`);
  } catch (e) {
    note("fail", "credentials", errorText(e), (e as { kind?: string }).kind);
    return findings;
  }
  try {
    const nic = await ec2.describeInterface(eni);
    if (!nic.privateIps.includes(self.address))
      note("fail", "interface", `${eni} does not carry ${self.address}; set nodes[].networkInterfaceId for ${self.name}`, "config");
    else note("ok", "interface", `${eni} carries ${self.address} in ${nic.subnetId}`);
    if (d.resources.some((r) => r.kind === "route"))
      note(
        nic.sourceDestCheck ? "warn" : "ok",
        "source/dest check",
        nic.sourceDestCheck ? `on for ${eni}: the first acquire turns it off (routes need it off)` : "off, as overlay routes need",
      );
  } catch (e) {
    note("fail", "interface", errorText(e), (e as { kind?: string }).kind);
  }

  findings.push(...(await probePermissions(ec2, { description: d, self, instanceId: identity.instanceId, eni })));

  for (const r of d.resources) {
    if (r.kind !== "volume") continue;
    try {
      const v = await ec2.describeVolume(r.volumeId);
      if (v.availabilityZone !== identity.availabilityZone)
        note(
          "fail",
          `volume ${r.name}`,
          `${r.volumeId} is in ${v.availabilityZone} but this node is in ${identity.availabilityZone}; EBS attaches only within one AZ`,
          "config",
        );
      else
        note(
          "ok",
          `volume ${r.name}`,
          `${r.volumeId} is ${v.state} in ${v.availabilityZone}${v.attachments.map((a) => `, ${a.state} to ${a.instanceId}`).join("")}`,
        );
      const mine = v.attachments.find((a) => a.instanceId === identity.instanceId);
      if (mine) {
        const dev = await world.host.findBlockDevice(r.volumeId, r.device, d.paths.byIdDir);
        note(
          dev ? "ok" : "fail",
          `device ${r.name}`,
          dev ? `attached here as ${dev}` : `attached here but no block device found under ${d.paths.byIdDir} or as ${r.device}`,
          dev ? undefined : "install",
        );
      } else {
        const byId = await stat(d.paths.byIdDir).catch(() => undefined);
        note(
          byId ? "ok" : "warn",
          `device ${r.name}`,
          byId
            ? `will be found by its NVMe serial under ${d.paths.byIdDir}`
            : `${d.paths.byIdDir} is missing: only the Xen name ${r.device} can be used`,
        );
      }
    } catch (e) {
      note("fail", `volume ${r.name}`, errorText(e), (e as { kind?: string }).kind);
    }
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
    const problems = await world.scriptProblems(script);
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
function trustFindings(world: PreflightWorld): Finding[] {
  const { descriptionPath, trustedUid } = world.trust;
  const owners = `root${trustedUid !== 0 ? ` or uid ${trustedUid}` : ""}`;
  const judged = [
    { distrust: descriptionDistrust(descriptionPath, trustedUid), what: `the cluster description ${descriptionPath}` },
    ...executablesNamed(world.description).map((e) => ({ distrust: executableDistrust(e, trustedUid), what: `${e.where} ${e.path}` })),
  ];
  return judged.map(({ distrust, what }): Finding =>
    distrust
      ? { verdict: "fail", topic: "trust", message: `${distrust.message}; ${distrust.fix}`, kind: "config" }
      : { verdict: "ok", topic: "trust", message: `${what} can be changed only by ${owners}` },
  );
}
