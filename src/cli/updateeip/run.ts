import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { clusterPath, loadClusterDescription } from "../../cluster/load";
import { clusterDescriptionSchema, type ClusterDescription, type EipSpec } from "../../cluster/schema";
import { AwsHaError } from "../../errors";
import { EipResource } from "../../kinds/eip/resource";
import { Deadline } from "../../time/deadline";
import { inspectCluster, runTransition, type Ports } from "../../transition/runner";
import { exitCodeFor, exitCodes } from "../../exit-codes";
import type { UpdateEipArgs } from "./args";
import { buildPorts, openLogger } from "../../session/ports";

/** LSB's status code when the state cannot be told (IMDS or EC2 unreachable, unknown address). */
const statusUnknown = 4;

/** Runs one Heartbeat/LSB action for the Elastic IPs named on the command line or in the description. */
export async function runUpdateEip(args: UpdateEipArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const log = openLogger("aws-ha-updateeip", { logFormat: args.logFormat, verbose: false }, env);
  let label = `aws-ha-updateeip ${args.address ? Object.values(args.address)[0] : "(the description's Elastic IPs)"}`;
  try {
    const path = clusterPath(args.cluster, env);
    // With an address on the command line the description is optional: the narrow Heartbeat use
    // needs nothing but IMDS and the instance's role.
    const standalone = args.address !== undefined && !existsSync(path);
    const description = standalone ? standaloneDescription() : loadClusterDescription(path);
    log.redact(description.keepalived?.authPass, description.heartbeat?.authKey);
    if (args.action === "stop" && !releases(args, description)) {
      log.info("stop: nothing to change in EC2; the next owner takes the address over (use --release to disassociate)");
      return exitCodes.ok;
    }
    const world = buildPorts(description, log, env);
    const specs = await eipSpecs(args, description, world);
    if (!args.address) label = `aws-ha-updateeip ${specs.map((s) => s.name).join(",")}`;
    const eipPorts: Ports = {
      ...world,
      resources: specs.map((s) => new EipResource(s)),
      ...(standalone
        ? {
            selfFrom: (id) => ({
              name: hostname(),
              address: args.privateIp ?? id.localIpv4s[0]!,
              instanceId: id.instanceId,
              interface: "eth0",
              priority: 1,
            }),
          }
        : {}),
    };
    switch (args.action) {
      case "status":
        return await status(eipPorts, label);
      case "stop":
        return await transition(eipPorts, "release", "stop");
      case "start":
        return await transition(eipPorts, "acquire", "start");
      case "try-restart":
        if (!(await heldHere(eipPorts))) return exitCodes.ok;
        return await restart(eipPorts);
      case "restart":
        return await restart(eipPorts);
    }
  } catch (e) {
    log.failure(e);
    if (args.action === "status") {
      // Heartbeat reads the text: without "running" it does not count the address as ours.
      process.stdout.write(`${label} status unknown\n`);
      return statusUnknown;
    }
    return exitCodeFor(e);
  } finally {
    await log.close();
  }
}

/** Whether stop may disassociate: --release, or `release: true` on the description's address. */
function releases(args: UpdateEipArgs, description: ClusterDescription): boolean {
  if (args.release) return true;
  const declared = description.resources.filter((r): r is EipSpec => r.kind === "eip");
  if (!args.address) return declared.some((s) => s.release);
  const { address } = args;
  const match = declared.find((s) =>
    "allocationId" in address ? s.allocationId === address.allocationId : s.publicIp === address.publicIp,
  );
  return match?.release ?? false;
}

async function eipSpecs(args: UpdateEipArgs, description: ClusterDescription, world: Ports): Promise<EipSpec[]> {
  const declared = description.resources.filter((r): r is EipSpec => r.kind === "eip");
  if (!args.address) {
    if (declared.length === 0)
      throw new AwsHaError("config", "the cluster description has no eip resource", {
        fix: "name the Elastic IP: aws-ha-updateeip eipalloc-… start",
      });
    return declared.map((s) => ({ ...s, release: s.release || args.release }));
  }
  const allocationId =
    "allocationId" in args.address ? args.address.allocationId : await allocationOf(args.address.publicIp, declared, world);
  const match = declared.find((s) => s.allocationId === allocationId);
  return [
    {
      kind: "eip",
      name: match?.name ?? "eip",
      allocationId,
      privateAddress: args.privateIp ?? match?.privateAddress,
      release: args.release || (match?.release ?? false),
    },
  ];
}

/** The allocation behind a public IP: from the description, else from EC2. */
async function allocationOf(publicIp: string, declared: readonly EipSpec[], world: Ports): Promise<string> {
  const known = declared.find((s) => s.publicIp === publicIp);
  if (known) return known.allocationId;
  const identity = await world.imds.identity();
  const ec2 = world.ec2(identity, new Deadline(world.description.timeouts.transition * 1000));
  return (await ec2.describeAddressByPublicIp(publicIp)).allocationId;
}

async function transition(world: Ports, direction: "acquire" | "release", cause: string): Promise<number> {
  const report = await runTransition(world, { direction, cause });
  if (report.status !== "done") return exitCodes.ok;
  // Each failed step has logged its own error line, naming the address and the fix.
  const failed = report.results.filter((r) => r.error !== undefined);
  return failed.length === 0 ? exitCodes.ok : Math.max(...failed.map((f) => exitCodeFor(f.error)));
}

async function restart(world: Ports): Promise<number> {
  const code = await transition(world, "release", "restart");
  return code === exitCodes.ok ? await transition(world, "acquire", "restart") : code;
}

async function heldHere(world: Ports): Promise<boolean> {
  return (await inspectCluster(world)).every((r) => r.holding.held);
}

async function status(world: Ports, label: string): Promise<number> {
  const held = await heldHere(world);
  // Heartbeat reads only the text: "running" must not appear unless the address is ours.
  process.stdout.write(held ? `${label} is running\n` : `${label} is stopped\n`);
  return held ? exitCodes.ok : exitCodes.stopped;
}

function standaloneDescription(): ClusterDescription {
  return clusterDescriptionSchema.parse({ cluster: "updateeip", manager: "heartbeat", nodes: [], resources: [] });
}
