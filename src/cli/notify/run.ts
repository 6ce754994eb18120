import { clusterPath, loadClusterDescription } from "../../cluster/load";
import type { ClusterDescription } from "../../cluster/schema";
import { AwsHaError } from "../../errors";
import { errorText, type Logger } from "../../log";
import { describePlan } from "../../transition/plan";
import { inspectCluster, runTransition, type Ports } from "../../transition/runner";
import type { Transition } from "../../transition/transition";
import { exitCodeFor, exitCodes } from "../../exit-codes";
import { readNotifyFifo } from "./fifo-reader";
import type { NotifyCommand, NotifyOptions } from "./args";
import { runDetached } from "./detach";
import { buildPorts, openLogger } from "../../session/ports";
import { runPreflight } from "./check";

/** Everything after argument parsing: loads the description, builds the world, runs the command. */
export async function runNotify(command: NotifyCommand, options: NotifyOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const log = openLogger("aws-ha-notify", options, env);
  try {
    // `check` reports an untrusted description (FAIL trust) instead of refusing to look at it.
    const description = loadClusterDescription(clusterPath(options.cluster, env), command.kind === "check" ? { trustedUid: false } : {});
    log.redact(description.keepalived?.authPass, description.heartbeat?.authKey);
    const world = buildPorts(description, log, env);
    return await dispatch(command, options, world);
  } catch (e) {
    log.failure(e);
    if (command.kind === "status") process.stdout.write(`aws-ha status unknown: ${errorText(e).split("\n")[0]}\n`);
    return command.kind === "status" ? 4 : exitCodeFor(e);
  } finally {
    await log.close();
  }
}

async function dispatch(command: NotifyCommand, options: NotifyOptions, world: Ports): Promise<number> {
  const { description, log } = world;
  switch (command.kind) {
    case "skip":
      log.info(`nothing to do: ${command.reason}`);
      return exitCodes.ok;
    case "transition":
      return transition(world, command.transition, options);
    case "restart": {
      const released = await transition(world, { direction: "release", cause: "restart" }, options);
      return released === exitCodes.ok ? transition(world, { direction: "acquire", cause: "restart" }, options) : released;
    }
    case "status":
      return status(world, options);
    case "show":
      return show(world, options);
    case "check":
      return runPreflight(world, options);
    case "fifo":
      await readNotifyFifo(
        command.fifoPath,
        {
          run: async (t) => void (await transition(world, t, options)),
          handOff: async (t) => {
            // Not awaited to the end: keepalived kills this reader about a second after SIGTERM.
            void runDetached([t.cause.toLowerCase(), `--cluster=${clusterFileOf(description, options)}`, ...onlyArgs(options)], t.arrival);
          },
        },
        log,
      );
      return exitCodes.ok;
    default:
      return exitCodes.usage;
  }
}

async function transition(world: Ports, t: Transition, options: NotifyOptions): Promise<number> {
  const log = world.log.child({ event: t.cause, ...(t.instance ? { instance: t.instance } : {}) });
  if (t.oddity) log.warn(`${t.oddity}; acting on ${t.cause} anyway`);
  const started = performance.now();
  try {
    const report = await runTransition({ ...world, log }, t, { only: options.only, dryRun: options.dryRun });
    if (report.status === "superseded") return exitCodes.ok;
    if (report.status === "planned") {
      process.stdout.write(
        `plan for ${t.cause} (${t.direction}), nothing changed:\n${
          describePlan(report.plan)
            .map((l) => `  ${l}\n`)
            .join("") || "  nothing\n"
        }`,
      );
      return exitCodes.ok;
    }
    const failed = report.results.filter((r) => r.error !== undefined);
    const ms = Math.round(performance.now() - started);
    if (failed.length === 0) {
      log.info(`${t.direction} done`, { changed: report.results.filter((r) => r.outcome === "changed").length, ms });
      return exitCodes.ok;
    }
    for (const f of failed) log.error(failureLine(f.step.resource.name, f.error));
    log.error(`${t.direction} incomplete: ${failed.length} of ${report.plan.steps.length} steps failed`, { ms });
    return Math.max(...failed.map((f) => exitCodeFor(f.error)));
  } catch (e) {
    log.error(`${t.direction} failed: ${errorText(e)}`);
    return exitCodeFor(e);
  }
}

async function status(world: Ports, options: NotifyOptions): Promise<number> {
  const name = `aws-ha ${world.description.cluster}`;
  const rows = await inspectCluster(world, { only: options.only });
  // Hooks hold nothing that can be inspected; the word "running" must appear only when held,
  // because Heartbeat reads the text, not the exit code.
  const relevant = rows.filter((r) => r.resource.kind !== "hook");
  const held = relevant.filter((r) => r.holding.held);
  if (relevant.length > 0 && held.length === relevant.length) {
    process.stdout.write(`${name} is running\n`);
    return exitCodes.ok;
  }
  const partly = held.length > 0 ? ` (holds ${held.map((r) => r.resource.name).join(", ")} of ${relevant.length})` : "";
  process.stdout.write(`${name} is stopped${partly}\n`);
  return exitCodes.stopped;
}

async function show(world: Ports, options: NotifyOptions): Promise<number> {
  const rows = await inspectCluster(world, { only: options.only });
  if (options.json) {
    const json = rows.map(({ resource, holding }) => ({ name: resource.name, kind: resource.kind, ...holding }));
    process.stdout.write(`${JSON.stringify({ cluster: world.description.cluster, resources: json }, null, 2)}\n`);
    return exitCodes.ok;
  }
  const table = [
    ["RESOURCE", "KIND", "HERE", "DETAIL"],
    ...rows.map(({ resource, holding }) => [resource.name, resource.kind, holding.held ? "yes" : "no", holding.detail]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  process.stdout.write(
    table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n") + "\n",
  );
  return exitCodes.ok;
}

/** Names the resource once: errors of a resource often name it already ("volume data: …"). */
function failureLine(name: string, error: unknown): string {
  const named = error instanceof AwsHaError && (error.details.resource === name || error.details.resource?.endsWith(` ${name}`));
  return named ? errorText(error) : `${name}: ${errorText(error)}`;
}

function clusterFileOf(_d: ClusterDescription, options: NotifyOptions): string {
  return clusterPath(options.cluster, process.env);
}

function onlyArgs(options: NotifyOptions): string[] {
  return options.only.length > 0 ? [`--only=${options.only.join(",")}`] : [];
}

export type { Logger };
