import { loadClusterDescription } from "../../cluster/load";
import type { ClusterDescription } from "../../cluster/schema";
import { createEc2Client } from "../../cloud/ec2-client";
import { SdkEc2 } from "../../cloud/ec2-sdk";
import { FetchImds } from "../../cloud/imds";
import { AwsHaError } from "../../errors";
import { fenceExitCodes } from "../../exit-codes";
import { parseHostMap, type HostMapEntry } from "../../fence/host-map";
import { PowerSwitch, powerStatusOf } from "../../fence/power";
import { FenceTargets } from "../../fence/targets";
import { ensureFencerRuns } from "../../fence/race-check";
import type { Logger } from "../../log";
import { openLogger } from "../../session/ports";
import { Deadline } from "../../time/deadline";
import type { FenceRequest } from "./args";
import { fenceMetadata } from "./metadata";
import { agentName } from "./parameters";
import { monotonicMs } from "../../time/monotonic";

// One fence action, start to finish: the map, the EC2 client, the action, its answer on stdout in
// fence-agents' words (Status: ON, Success: Powered OFF) and its exit code. Everything goes to
// stderr and syslog as well, with the time the action took.

export async function runFence(request: FenceRequest, warnings: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const log = openLogger(agentName, { logFormat: "text", verbose: request.verbose }, env);
  try {
    for (const w of warnings) log.warn(w);
    return await act(request, log, env);
  } catch (e) {
    log.failure(e, { action: request.action });
    return fenceExitCodes.failed;
  } finally {
    await log.close();
  }
}

async function act(request: FenceRequest, log: Logger, env: NodeJS.ProcessEnv): Promise<number> {
  const description = request.description !== undefined ? await loadClusterDescription(request.description) : undefined;
  const targets = new FenceTargets(mapEntries(request.hostMap, description));
  const action = request.action;
  // main.ts answers metadata before loading this module; here it is answered the same way.
  if (action === "metadata") {
    process.stdout.write(fenceMetadata());
    return fenceExitCodes.success;
  }
  if (action === "validate-all") {
    if (request.plug !== undefined || request.nodename !== undefined) targets.resolve(request.plug, request.nodename);
    process.stdout.write("Options are valid\n");
    return fenceExitCodes.success;
  }
  if (action === "list") {
    if (targets.entries.length === 0) throw noMap("list");
    for (const e of targets.entries) process.stdout.write(`${e.node},${e.instanceId}\n`);
    return fenceExitCodes.success;
  }

  // Each action is bounded: reboot waits twice, after the delay, and the SDK's retries fit inside.
  const deadline = new Deadline((2 * request.powerTimeoutSeconds + request.delaySeconds + 30) * 1000);
  // Without a description, its defaults: the schema knows them, and is built for that case only.
  const timeouts = description?.timeouts ?? (await import("../../cluster/schema")).timeoutsSchema.parse({});
  const region = await regionFor(request, description, env, timeouts.metadata);
  // See session/ports.ts: the SDK's Node.js version notice would bury the failure line in Pacemaker's log.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const ec2 = new SdkEc2(createEc2Client({ region, timeouts }), () => deadline.signal());
  const power = new PowerSwitch(ec2, log, request.powerTimeoutSeconds * 1000);
  const started = monotonicMs();
  const took = () => `${((monotonicMs() - started) / 1000).toFixed(1)} s`;

  switch (action) {
    case "monitor": {
      if (targets.entries.length > 0) for (const e of targets.entries) await ec2.describeInstance(e.instanceId);
      else if ((await ec2.dryRun({ action: "DescribeInstances" })) === "denied")
        throw new AwsHaError("permission", "EC2 denied DescribeInstances", {
          fix: "add ec2:DescribeInstances to the node's role (aws-ha-gen iam-policy prints the policy)",
        });
      log.debug(`monitor: EC2 answers in ${region} (${took()})`);
      return fenceExitCodes.success;
    }
    case "list-status": {
      if (targets.entries.length === 0) throw noMap("list-status");
      for (const e of targets.entries) {
        const status = powerStatusOf(await power.state(e));
        process.stdout.write(`${e.node},${e.instanceId},${status === "on" ? "ON" : status === "off" ? "OFF" : "UNKNOWN"}\n`);
      }
      return fenceExitCodes.success;
    }
    case "status": {
      const target = targets.resolve(request.plug, request.nodename);
      const state = await power.state(target);
      const status = powerStatusOf(state);
      process.stdout.write(`Status: ${status === "on" ? "ON" : status === "off" ? "OFF" : state.toUpperCase()}\n`);
      if (status === "transitional") log.warn(`status: ${target.instanceId} is ${state}, neither on nor off`);
      return status === "on" ? fenceExitCodes.success : status === "off" ? fenceExitCodes.off : fenceExitCodes.failed;
    }
    case "off":
    case "on":
    case "reboot": {
      const target = targets.resolve(request.plug, request.nodename);
      const who = target.node ? `${target.node} (${target.instanceId})` : target.instanceId;
      if (request.delaySeconds > 0) {
        log.info(`${request.action} ${who}: waiting delay=${request.delaySeconds} s first`);
        await new Promise((r) => setTimeout(r, request.delaySeconds * 1000));
      }
      if (action === "on") {
        await power.on(target);
        log.info(`on done: ${who} running (${took()})`);
        process.stdout.write("Success: Powered ON\n");
        return fenceExitCodes.success;
      }
      if (request.skipRaceCheck) log.debug(`${request.action} ${who}: skip_race_check, not looking at this node's own instance`);
      else await ensureFencerRuns({ ownInstanceId: async () => (await imdsOf(env, timeouts.metadata).identity()).instanceId, ec2 }, target);
      await power.off(target);
      log.info(`off done: ${who} stopped (${took()})`, { instance: target.instanceId });
      if (action === "reboot") {
        // Fenced once it is off: its resources are safe to recover. Starting it again is a convenience.
        try {
          await power.on(target);
          log.info(`reboot done: ${who} stopped and started again (${took()})`);
        } catch (e) {
          log.failure(e, { action: "reboot" });
          log.warn(`reboot: ${who} is fenced (stopped) but did not start again; start it by hand`);
        }
        process.stdout.write("Success: Rebooted\n");
      } else process.stdout.write("Success: Powered OFF\n");
      return fenceExitCodes.success;
    }
  }
}

/** host_map and the description's nodes together; a node the two give different instances is refused. */
function mapEntries(hostMap: string | undefined, description: ClusterDescription | undefined): HostMapEntry[] {
  const entries = hostMap !== undefined ? parseHostMap(hostMap) : [];
  for (const n of description?.nodes ?? []) {
    const known = entries.find((e) => e.node === n.name);
    if (known && known.instanceId !== n.instanceId)
      throw new AwsHaError("usage", `host_map gives node ${n.name} ${known.instanceId}, the description ${n.instanceId}`, {
        fix: "drop host_map (the description names every node) or correct it",
      });
    if (!known) entries.push({ node: n.name, instanceId: n.instanceId });
  }
  return entries;
}

function noMap(action: string): AwsHaError {
  return new AwsHaError("usage", `${action} needs the cluster's nodes`, {
    fix: "pass host_map=node1:i-…;node2:i-… or description=/etc/aws-ha/cluster.yaml",
  });
}

/** region=, else the description's, else the SDK's usual variables, else this instance's (IMDS). */
async function regionFor(
  request: FenceRequest,
  description: ClusterDescription | undefined,
  env: NodeJS.ProcessEnv,
  metadataSeconds: number,
): Promise<string> {
  const named = request.region ?? description?.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (named) return named;
  try {
    return (await imdsOf(env, metadataSeconds).identity()).region;
  } catch (e) {
    throw new AwsHaError(
      "usage",
      "no region: none given, and the instance metadata service did not answer",
      {
        fix: "pass region=eu-west-1 (or set AWS_REGION)",
      },
      { cause: e },
    );
  }
}

function imdsOf(env: NodeJS.ProcessEnv, metadataSeconds: number): FetchImds {
  return new FetchImds({ endpoint: env.AWS_EC2_METADATA_SERVICE_ENDPOINT, timeoutMs: metadataSeconds * 1000 });
}
