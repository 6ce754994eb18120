import { existsSync } from "node:fs";
import { clusterPath } from "../../cluster/load";
import type { EipSpec } from "../../cluster/schema";
import { AwsHaError } from "../../errors";
import { EipResource } from "../../kinds/eip/resource";
import { Deadline } from "../../time/deadline";
import { inspectCluster, runTransition, type ArrivedTransition, type Ports } from "../../transition/runner";
import { exitCodeFor, exitCodes } from "../../exit-codes";
import { holdingAnswer } from "../../session/holding-answer";
import { concludeFailure, concludeSuperseded, concludeTransition } from "../../session/session";
import { thisProcessIo, type CallIo } from "../../session/call-io";
import type { EventStamp } from "../../transition/event-stamp";
import type { UpdateEipArgs } from "./args";
import { monotonicMs } from "../../time/monotonic";

/**
 * Runs one Heartbeat/LSB action for the Elastic IPs named on the command line or in the description.
 * In the resident helper the session and stdout are the caller's, and so is the event's arrival.
 */
export function runUpdateEip(
  args: UpdateEipArgs,
  env: NodeJS.ProcessEnv,
  io: CallIo = thisProcessIo,
  arrival?: EventStamp,
): Promise<number> {
  let label = `aws-ha-updateeip ${args.address ? Object.values(args.address)[0] : "(the description's Elastic IPs)"}`;
  const failed = (e: unknown): number => {
    if (args.action !== "status") return exitCodeFor(e);
    // Heartbeat reads the text: without "running" it does not count the address as ours.
    io.out(`${label} status unknown\n`);
    return exitCodes.statusUnknown;
  };
  const transition = (ports: Ports, direction: "acquire" | "release", cause: string) =>
    runEipTransition(ports, { direction, cause, arrival });
  const restart = async (ports: Ports) => {
    const code = await transition(ports, "release", "restart");
    return code === exitCodes.ok ? await transition(ports, "acquire", "restart") : code;
  };
  return io.open({ tag: "aws-ha-updateeip", logFormat: args.logFormat, verbose: false, env, failed }, async (session) => {
    const path = clusterPath(args.cluster, env);
    // With an address on the command line the description is optional: the narrow Heartbeat use
    // needs nothing but IMDS and the instance's role.
    const description = args.address === undefined || existsSync(path) ? await session.load(path) : undefined;
    const declared = description?.resources.filter((r): r is EipSpec => r.kind === "eip") ?? [];
    if (args.action === "stop" && !releases(args, declared)) {
      session.log.info("stop: nothing to change in EC2; the next owner takes the address over (use --release to disassociate)");
      return exitCodes.ok;
    }
    const ports = description ? session.ports(description) : await session.portsWithoutDescription("updateeip", args.privateIp);
    const specs = await eipSpecs(args, declared, ports);
    if (!args.address) label = `aws-ha-updateeip ${specs.map((s) => s.name).join(",")}`;
    const eipPorts: Ports = { ...ports, resources: specs.map((s) => new EipResource(s)) };
    switch (args.action) {
      case "status":
        return await status(eipPorts, label, io.out);
      case "stop":
        return await transition(eipPorts, "release", "stop");
      case "start":
        return await transition(eipPorts, "acquire", "start");
      case "try-restart":
        if (holdingAnswer(await inspectCluster(eipPorts)).held !== "all") return exitCodes.ok;
        return await restart(eipPorts);
      case "restart":
        return await restart(eipPorts);
    }
  });
}

/** Whether stop may disassociate: --release, or `release: true` on the description's address. */
function releases(args: UpdateEipArgs, declared: readonly EipSpec[]): boolean {
  if (args.release) return true;
  if (!args.address) return declared.some((s) => s.release);
  const { address } = args;
  const match = declared.find((s) =>
    "allocationId" in address ? s.allocationId === address.allocationId : s.publicIp === address.publicIp,
  );
  return match?.release ?? false;
}

async function eipSpecs(args: UpdateEipArgs, declared: readonly EipSpec[], ports: Ports): Promise<EipSpec[]> {
  if (!args.address) {
    if (declared.length === 0)
      throw new AwsHaError("config", "the cluster description has no eip resource", {
        fix: "name the Elastic IP: aws-ha-updateeip eipalloc-… start",
      });
    return declared.map((s) => ({ ...s, release: s.release || args.release }));
  }
  const allocationId =
    "allocationId" in args.address ? args.address.allocationId : await allocationOf(args.address.publicIp, declared, ports);
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
async function allocationOf(publicIp: string, declared: readonly EipSpec[], ports: Ports): Promise<string> {
  const known = declared.find((s) => s.publicIp === publicIp);
  if (known) return known.allocationId;
  const identity = await ports.imds.identity();
  const ec2 = ports.ec2(identity, new Deadline(ports.description.timeouts.transition * 1000));
  return (await ec2.describeAddressByPublicIp(publicIp)).allocationId;
}

async function runEipTransition(ports: Ports, t: ArrivedTransition): Promise<number> {
  const started = monotonicMs();
  let report;
  try {
    report = await runTransition(ports, t);
  } catch (e) {
    // The session logs it and answers its exit code; the journal keeps it too.
    await concludeFailure(ports, t, monotonicMs() - started, e);
    throw e;
  }
  if (report.status === "superseded") await concludeSuperseded(ports, t, report.by.word, monotonicMs() - started);
  if (report.status !== "done") return exitCodes.ok;
  // Each failed step has logged its own error line, naming the address and the fix.
  return (await concludeTransition(ports, report, monotonicMs() - started, { itemise: false })).code;
}

/** Heartbeat reads only the text: "running" must not appear unless the address is ours. */
async function status(ports: Ports, label: string, out: CallIo["out"]): Promise<number> {
  const held = holdingAnswer(await inspectCluster(ports)).held === "all";
  out(held ? `${label} is running\n` : `${label} is stopped\n`);
  return held ? exitCodes.ok : exitCodes.stopped;
}
