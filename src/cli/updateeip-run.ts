import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { clusterPath, loadClusterDescription } from "../cluster/load";
import { clusterDescriptionSchema, type ClusterDescription, type EipSpec } from "../cluster/schema";
import { AwsHaError } from "../errors";
import { errorText } from "../log";
import { EipResource } from "../resources/eip";
import { Deadline } from "../transition/deadline";
import { inspectCluster, runTransition, type World } from "../transition/runner";
import { exitCodeFor, exitCodes } from "./exit-codes";
import type { UpdateEipArgs } from "./updateeip-args";
import { buildWorld, openLogger } from "./world";

/** Runs one Heartbeat/LSB action for the Elastic IPs named on the command line or in the description. */
export async function runUpdateEip(args: UpdateEipArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const log = openLogger("aws-ha-updateeip", { logFormat: args.logFormat, verbose: false }, env);
  const label = `aws-ha-updateeip ${args.address ? Object.values(args.address)[0] : "(cluster EIPs)"}`;
  try {
    const path = clusterPath(args.cluster, env);
    // With an address on the command line the description is optional: the narrow Heartbeat use
    // needs nothing but IMDS and the role.
    const standalone = args.address !== undefined && !existsSync(path);
    const description = standalone ? standaloneDescription() : loadClusterDescription(path);
    log.redact(description.keepalived?.authPass, description.heartbeat?.authKey);
    const world = buildWorld(description, log, env);
    const specs = await eipSpecs(args, description, world);
    const eipWorld: World = {
      ...world,
      resources: specs.map((s) => new EipResource(s)),
      ...(standalone ? { selfFrom: (id) => ({ name: hostname(), address: args.privateIp ?? id.localIpv4s[0]!, instanceId: id.instanceId, interface: "eth0", priority: 1 }) } : {}),
    };
    switch (args.action) {
      case "status":
        return await status(eipWorld, label);
      case "stop":
        if (!specs.some((s) => s.release)) {
          log.info("stop: nothing to change in EC2; the next owner takes the address over (use --release to disassociate)");
          return exitCodes.ok;
        }
        return await transition(eipWorld, "release", "stop");
      case "start":
        return await transition(eipWorld, "acquire", "start");
      case "restart": {
        const code = await transition(eipWorld, "release", "restart");
        return code === exitCodes.ok ? await transition(eipWorld, "acquire", "restart") : code;
      }
    }
  } catch (e) {
    log.error(errorText(e));
    if (args.action === "status") {
      process.stdout.write(`${label} status unknown\n`);
      return 4;
    }
    return exitCodeFor(e);
  } finally {
    await log.close();
  }
}

async function eipSpecs(args: UpdateEipArgs, description: ClusterDescription, world: World): Promise<EipSpec[]> {
  const declared = description.resources.filter((r): r is EipSpec => r.kind === "eip");
  if (!args.address) {
    if (declared.length === 0)
      throw new AwsHaError("config", "the cluster description has no eip resource", { fix: "name the Elastic IP: aws-ha-updateeip eipalloc-… start" });
    return declared.map((s) => ({ ...s, release: s.release || args.release }));
  }
  let allocationId: string;
  if ("allocationId" in args.address) allocationId = args.address.allocationId;
  else {
    const publicIp = args.address.publicIp;
    const known = declared.find((s) => s.publicIp === publicIp);
    if (known) allocationId = known.allocationId;
    else {
      const identity = await world.imds.identity();
      const ec2 = world.ec2(identity, new Deadline(description.timeouts.transition * 1000));
      allocationId = (await ec2.describeAddressByPublicIp(publicIp)).allocationId;
    }
  }
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

async function transition(world: World, direction: "acquire" | "release", cause: string): Promise<number> {
  const report = await runTransition(world, { direction, cause });
  if (report.status !== "done") return exitCodes.ok;
  const failed = report.results.filter((r) => r.error !== undefined);
  for (const f of failed) world.log.error(`${f.step.resource.name}: ${errorText(f.error)}`);
  return failed.length === 0 ? exitCodes.ok : Math.max(...failed.map((f) => exitCodeFor(f.error)));
}

async function status(world: World, label: string): Promise<number> {
  const rows = await inspectCluster(world);
  const held = rows.every((r) => r.holding.held);
  // Heartbeat reads only the text: "running" must not appear unless the address is ours.
  process.stdout.write(held ? `${label} is running\n` : `${label} is stopped\n`);
  return held ? exitCodes.ok : exitCodes.stopped;
}

function standaloneDescription(): ClusterDescription {
  return clusterDescriptionSchema.parse({ cluster: "updateeip", manager: "heartbeat", nodes: [], resources: [] });
}
