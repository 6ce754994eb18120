import { access, constants, stat } from "node:fs/promises";
import type { DryRunAction, Ec2 } from "../cloud/ec2-port";
import type { Identity, Imds } from "../cloud/identity";
import type { ClusterDescription, ClusterNode } from "../cluster/schema";
import { findSelf } from "../cluster/self";
import { errorText } from "../log";
import type { Host } from "../host/host-port";
import { ipv4ToNumber } from "../cluster/semantics";
import { Deadline } from "./deadline";

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
}

export async function runPreflightChecks(world: PreflightWorld): Promise<Finding[]> {
  const findings: Finding[] = [];
  const note = (verdict: Verdict, topic: string, message: string, kind?: string) => findings.push({ verdict, topic, message, kind });
  const d = world.description;
  const deadline = new Deadline(d.timeouts.transition * 1000);

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
  const peers = d.nodes.filter((n) => n !== self);

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

  const dryRuns: { topic: string; request: DryRunAction }[] = [
    ...(["DescribeNetworkInterfaces", "DescribeAddresses", "DescribeRouteTables", "DescribeVolumes", "DescribeInstances"] as const).map(
      (action) => ({
        topic: action,
        request: { action } as DryRunAction,
      }),
    ),
  ];
  for (const r of d.resources) {
    if (r.kind === "eip")
      dryRuns.push({
        topic: `AssociateAddress ${r.name}`,
        request: {
          action: "AssociateAddress",
          allocationId: r.allocationId,
          networkInterfaceId: eni,
          privateIp: r.privateAddress ?? self.address,
        },
      });
    if (r.kind === "route")
      for (const table of r.routeTables)
        dryRuns.push({
          topic: `ReplaceRoute ${r.name} ${table}`,
          request: { action: "ReplaceRoute", routeTableId: table, cidr: `${r.address}/32`, networkInterfaceId: eni },
        });
    if (r.kind === "volume") {
      dryRuns.push({
        topic: `AttachVolume ${r.name}`,
        request: { action: "AttachVolume", volumeId: r.volumeId, instanceId: identity.instanceId, device: r.device },
      });
      dryRuns.push({
        topic: `DetachVolume ${r.name}`,
        request: { action: "DetachVolume", volumeId: r.volumeId, instanceId: identity.instanceId },
      });
    }
  }
  if (d.fencing.enabled)
    for (const peer of peers)
      dryRuns.push({ topic: `StopInstances ${peer.name}`, request: { action: "StopInstances", instanceId: peer.instanceId } });
  await Promise.all(
    dryRuns.map(async ({ topic, request }) => {
      try {
        const verdict = await ec2.dryRun(request);
        if (verdict === "allowed") note("ok", "permission", `${topic} allowed (DryRun)`);
        else
          note("fail", "permission", `${topic} denied: add ec2:${request.action} to the node's role (aws-ha-gen iam-policy)`, "permission");
      } catch (e) {
        note("fail", "permission", `${topic}: ${errorText(e)}`, (e as { kind?: string }).kind);
      }
    }),
  );
  const vip = d.resources.find((r) => r.kind === "vip");
  if (vip) {
    // AssignPrivateIpAddresses has no DryRun. Unassigning the subnet's network address, which EC2
    // never assigns to an ENI, is refused as "not assigned" when permitted and as unauthorised when not.
    const size = 2 ** (32 - vip.prefix);
    const n = Math.floor(ipv4ToNumber(vip.address) / size) * size;
    const network = [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
    try {
      await ec2.unassignPrivateIp(eni, network);
      note("ok", "permission", "UnassignPrivateIpAddresses allowed (probe); AssignPrivateIpAddresses has no DryRun: grant both together");
    } catch (e) {
      note("fail", "permission", `UnassignPrivateIpAddresses: ${errorText(e)}`, (e as { kind?: string }).kind);
    }
  }

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

  const scripts = new Set<string>([d.paths.notify]);
  if (d.keepalived?.healthCheck) scripts.add(d.keepalived.healthCheck.command[0]!);
  for (const r of d.resources) {
    if (r.kind === "hook") for (const argv of [r.acquire, r.release]) if (argv) scripts.add(argv[0]!);
    if (r.kind === "service" && r.initScript) scripts.add(r.initScript);
  }
  for (const script of scripts) {
    const missing = await access(script, constants.X_OK).then(
      () => false,
      () => true,
    );
    if (missing) {
      note("fail", "script", `${script} is missing or not executable`, "install");
      continue;
    }
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
