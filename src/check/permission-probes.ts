import { namesMissingRoute, refusalText } from "../cloud/ec2-errors";
import type { DryRunAction, Ec2, Refusal } from "../cloud/ec2-port";
import type { ClusterDescription, ClusterNode } from "../cluster/schema";
import { ipv4ToNumber } from "../cluster/semantics";
import { AwsHaError } from "../errors";
import { errorText } from "../log";
import type { Finding } from "./run-checks";

// `check`'s permission probes. EC2 answers a DryRun in one of three ways: DryRunOperation (the
// permission is there), UnauthorizedOperation (it is not), or a refusal of the request itself — an
// id it does not know, a route that does not exist yet — which it may give before it answers for the
// permission at all, so a refusal proves neither. Only a denial is a failure. A refused probe is sent
// again the way the first acquire will really call EC2 where that differs (CreateRoute when the route
// is missing, the node's own address when the VIP is not on its ENI yet); what stays unproven is a
// warning that says why.

/** What the probes need to know about this node. */
export interface ProbeScope {
  description: ClusterDescription;
  self: ClusterNode;
  /** This instance, from IMDS. */
  instanceId: string;
  /** The ENI this node's resources move to. */
  eni: string;
}

export type ProbePort = Pick<Ec2, "dryRun" | "unassignPrivateIp">;

interface Probe {
  /** What the line is about: "AttachVolume data". */
  topic: string;
  request: DryRunAction;
}

export async function probePermissions(ec2: ProbePort, scope: ProbeScope): Promise<Finding[]> {
  const answers = await Promise.all([
    ...dryRunProbes(scope).map((probe) => proveWithFallback(ec2, probe, scope)),
    proveVipActions(ec2, scope),
  ]);
  return answers.flat();
}

function dryRunProbes({ description: d, self, instanceId, eni }: ProbeScope): Probe[] {
  const probes: Probe[] = (
    ["DescribeNetworkInterfaces", "DescribeAddresses", "DescribeRouteTables", "DescribeVolumes", "DescribeInstances"] as const
  ).map((action) => ({ topic: action, request: { action } }));
  for (const r of d.resources) {
    if (r.kind === "eip")
      probes.push({
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
        probes.push({
          topic: `ReplaceRoute ${r.name} ${table}`,
          request: { action: "ReplaceRoute", routeTableId: table, cidr: `${r.address}/32`, networkInterfaceId: eni },
        });
    if (r.kind === "volume") {
      probes.push({
        topic: `AttachVolume ${r.name}`,
        request: { action: "AttachVolume", volumeId: r.volumeId, instanceId, device: r.device },
      });
      probes.push({ topic: `DetachVolume ${r.name}`, request: { action: "DetachVolume", volumeId: r.volumeId, instanceId } });
    }
  }
  if (d.fencing.enabled)
    for (const peer of d.nodes.filter((n) => n !== self))
      probes.push({ topic: `StopInstances ${peer.name}`, request: { action: "StopInstances", instanceId: peer.instanceId } });
  return probes;
}

/** The probe's findings: its own answer, and where EC2 refused it, the answer to the call the acquire will make instead. */
async function proveWithFallback(ec2: ProbePort, probe: Probe, scope: ProbeScope): Promise<Finding[]> {
  const answer = await ask(ec2, probe);
  if (!isRefusal(answer)) return [answer];
  const { request } = probe;

  // routeTo sends ReplaceRoute and, told the route is missing, CreateRoute: the first acquire on a
  // fresh VPC creates the route, every later one replaces it.
  if (request.action === "ReplaceRoute" && namesMissingRoute(answer.code, answer.message)) {
    const created = await ask(ec2, {
      topic: probe.topic.replace(/^ReplaceRoute/, "CreateRoute"),
      request: { ...request, action: "CreateRoute" },
    });
    return [
      warn(
        probe.topic,
        `there is no route for ${request.cidr} in ${request.routeTableId} yet, and EC2 refused the request for that instead of ` +
          `answering for the permission (${answer.code}). Every acquire sends ReplaceRoute first and CreateRoute (next line) ` +
          `only when the route is missing: make sure the role grants ec2:ReplaceRoute too (aws-ha-gen iam-policy grants both)`,
      ),
      isRefusal(created) ? unproven(created.topic, created) : created,
    ];
  }

  // The private address the Elastic IP goes to (the VIP) is on this ENI only once the node holds it;
  // the permission is for the address and the ENI, whichever of the ENI's addresses is named.
  if (request.action === "AssociateAddress" && request.privateIp !== scope.self.address) {
    const own = await ask(ec2, { topic: probe.topic, request: { ...request, privateIp: scope.self.address } });
    if (isRefusal(own)) return [unproven(probe.topic, own)];
    if (own.verdict !== "ok") return [own];
    return [
      ok(
        probe.topic,
        `allowed (DryRun to ${scope.self.address}, the node's own address; ` +
          `EC2 refused ${request.privateIp}: ${refusalText(answer.code, answer.message)})`,
      ),
    ];
  }
  return [unproven(probe.topic, answer)];
}

interface Refused extends Refusal {
  topic: string;
}

const isRefusal = (answer: Finding | Refused): answer is Refused => "code" in answer;

/** One DryRun, as a finding, or as the refusal it met. */
async function ask(ec2: ProbePort, { topic, request }: Probe): Promise<Finding | Refused> {
  let answer;
  try {
    answer = await ec2.dryRun(request);
  } catch (e) {
    return notAnswered(topic, e);
  }
  if (answer === "allowed") return ok(topic, "allowed (DryRun)");
  if (answer === "denied") return denied(topic, request.action);
  return { topic, ...answer };
}

/** The VIP's two actions have no DryRun: a harmless unassignment can show a denial, never prove the permission. */
async function proveVipActions(ec2: ProbePort, { description, eni }: ProbeScope): Promise<Finding[]> {
  const vips = description.resources.filter((r) => r.kind === "vip");
  if (vips.length === 0) return [];
  const topic = `UnassignPrivateIpAddresses ${vips.map((v) => v.name).join(",")}`;
  // The subnet's network address (the description keeps the VIPs in their nodes' subnet) is
  // reserved by EC2 and never on an ENI, so unassigning it can remove nothing.
  const size = 2 ** (32 - vips[0]!.prefix);
  const n = Math.floor(ipv4ToNumber(vips[0]!.address) / size) * size;
  const network = [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
  try {
    // The port takes "not assigned" as done: that is the only answer a permitted probe can get.
    await ec2.unassignPrivateIp(eni, network);
  } catch (e) {
    return [notAnswered(topic, e, "UnassignPrivateIpAddresses")];
  }
  return [
    warn(
      topic,
      `AssignPrivateIpAddresses and UnassignPrivateIpAddresses have no DryRun; the harmless probe (unassign ${network}, ` +
        `the subnet's network address, from ${eni}) was refused as not assigned, not denied, which proves the permission ` +
        `only where EC2 answers for the permission first: make sure the role grants both (aws-ha-gen iam-policy)`,
    ),
  ];
}

/** A probe that met something other than EC2's three answers: only refused credentials are seen as a denial. */
function notAnswered(topic: string, e: unknown, action?: string): Finding {
  if (e instanceof AwsHaError && e.kind === "permission")
    return e.details.awsCode === "UnauthorizedOperation" && action ? denied(topic, action) : fail(topic, `denied: ${errorText(e)}`);
  return warn(topic, errorText(e));
}

function unproven(topic: string, refusal: Refusal): Finding {
  const hint = refusal.code.endsWith(".NotFound")
    ? "check the ids in the cluster description: they must exist in this node's region and account"
    : "see EC2's message";
  return warn(
    topic,
    `EC2 refused the request instead of answering for the permission: ${refusalText(refusal.code, refusal.message)}; ${hint}`,
  );
}

const ok = (topic: string, message: string): Finding => ({ verdict: "ok", topic: "permission", message: `${topic} ${message}` });
const warn = (topic: string, why: string): Finding => ({ verdict: "warn", topic: "permission", message: `${topic} not proven: ${why}` });
const fail = (topic: string, message: string): Finding => ({
  verdict: "fail",
  topic: "permission",
  message: `${topic} ${message}`,
  kind: "permission",
});
const denied = (topic: string, action: string): Finding =>
  fail(topic, `denied: add ec2:${action} to the node's role (aws-ha-gen iam-policy)`);
