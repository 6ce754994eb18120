import { clusterPath } from "../../cluster/load";
import { AwsHaError } from "../../errors";
import { errorFields, errorText } from "../../log";
import { describePlan } from "../../transition/plan";
import { inspectCluster, runTransition, type ArrivedTransition, type Ports } from "../../transition/runner";
import { exitCodeFor, exitCodes } from "../../exit-codes";
import { holdingAnswer } from "../../session/holding-answer";
import { concludeFailure, concludeSuperseded, concludeTransition } from "../../session/session";
import { thisProcessIo, type CallIo } from "../../session/call-io";
import { historyTable, lastTransitionLine } from "../../record/history-table";
import { journalPath, readJournal } from "../../record/journal";
import type { JournalEntry } from "../../record/journal-entry";
import { readNotifyFifo } from "./fifo-reader";
import type { NotifyCommand, NotifyOptions } from "./args";
import { runDetached } from "./detach";
import { runPreflight } from "./check";
import { Resident } from "./resident";
import { endpointRouteBlock, endpointRouteLines } from "./endpoint-routes";
import { monotonicMs } from "../../time/monotonic";

/** Everything after argument parsing: one session, in which the command runs. */
export function runNotify(
  command: NotifyCommand,
  options: NotifyOptions,
  env: NodeJS.ProcessEnv,
  io: CallIo = thisProcessIo,
): Promise<number> {
  const { out } = io;
  const descriptionPath = clusterPath(options.cluster, env);
  const failed = (e: unknown): number => {
    if (command.kind !== "status") return exitCodeFor(e);
    // Heartbeat reads the text: without "running" it does not count the resources as held here.
    out(`aws-ha status unknown: ${errorText(e).split("\n")[0]}\n`);
    return exitCodes.statusUnknown;
  };
  const spec = { tag: "aws-ha-notify", logFormat: options.logFormat, verbose: options.verbose, env, failed } as const;
  return io.open(spec, async (session) => {
    // `check` reports an untrusted description (FAIL trust) instead of refusing to look at it.
    const checking = command.kind === "check";
    const ports = session.ports(await session.load(descriptionPath, checking ? { trustedUid: false } : {}), { freshIdentity: checking });
    switch (command.kind) {
      case "skip":
        ports.log.info(`nothing to do: ${command.reason}`);
        return exitCodes.ok;
      case "transition":
        return transition(ports, command.transition, options, out, env);
      case "restart": {
        const released = await transition(ports, { direction: "release", cause: "restart" }, options, out, env);
        return released === exitCodes.ok ? transition(ports, { direction: "acquire", cause: "restart" }, options, out, env) : released;
      }
      case "status":
        return status(ports, options, out);
      case "show":
        return show(ports, options, env);
      case "history":
        return history(ports, options);
      case "check":
        return runPreflight(ports, options, descriptionPath);
      case "fifo": {
        const resident = new Resident(ports, {
          only: options.only,
          repairEveryMs: (ports.description.keepalived?.driftRepair ?? 0) * 1000,
        });
        // Not awaited: the reader reads from the start, and an event that comes first shares the work.
        void resident.prewarm();
        await readNotifyFifo(
          command.fifoPath,
          {
            run: async (t) => {
              await transition(ports, t, options, out, env);
              resident.ran(t);
            },
            // Not awaited to the end: keepalived kills this reader about a second after SIGTERM.
            handOff: async (t) => {
              resident.handedOff();
              void runDetached([t.cause.toLowerCase(), `--cluster=${descriptionPath}`, ...onlyArgs(options)], t.arrival);
            },
            idle: resident,
          },
          ports.log,
        );
        return exitCodes.ok;
      }
      default:
        return exitCodes.usage;
    }
  });
}

/** One event: acted on (or, with --dry-run, planned), and closed by the line that says what moved where. */
async function transition(
  ports: Ports,
  t: ArrivedTransition,
  options: NotifyOptions,
  out: CallIo["out"],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const log = ports.log.child({ event: t.cause, ...(t.instance ? { instance: t.instance } : {}) });
  if (t.oddity) log.warn(`${t.oddity}; acting on ${t.cause} anyway`);
  const started = monotonicMs();
  try {
    const report = await runTransition({ ...ports, log }, t, { only: options.only, dryRun: options.dryRun });
    if (report.status === "superseded") {
      await concludeSuperseded({ ...ports, log }, t, report.by.word, monotonicMs() - started);
      return exitCodes.ok;
    }
    if (report.status === "planned") {
      out(
        `plan for ${t.cause} (${t.direction}), nothing changed:\n${
          describePlan(report.plan)
            .map((l) => `  ${l}\n`)
            .join("") || "  nothing\n"
        }${endpointRouteBlock(await endpointRouteLines(ports, env))}`,
      );
      return exitCodes.ok;
    }
    return (await concludeTransition({ ...ports, log }, report, monotonicMs() - started, { itemise: true })).code;
  } catch (e) {
    log.error(`${t.direction} failed: ${errorText(e)}`, errorFields(e));
    // An argument error (a bad --only) stopped it before it was an event; a dry run changes nothing.
    if (!options.dryRun && !(e instanceof AwsHaError && e.kind === "usage"))
      await concludeFailure({ ...ports, log }, t, monotonicMs() - started, e);
    return exitCodeFor(e);
  }
}

/** LSB status: "running" only when every resource is held here, because Heartbeat reads the text. */
async function status(ports: Ports, options: NotifyOptions, out: CallIo["out"]): Promise<number> {
  const name = `aws-ha ${ports.description.cluster}`;
  const answer = holdingAnswer(await inspectCluster(ports, { only: options.only }));
  if (answer.held === "all") {
    out(`${name} is running\n`);
    return exitCodes.ok;
  }
  const partly = answer.held === "partly" ? ` (holds ${answer.which.map((r) => r.resource.name).join(", ")} of ${answer.of.length})` : "";
  out(`${name} is stopped${partly}\n`);
  return exitCodes.stopped;
}

async function show(ports: Ports, options: NotifyOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const rows = await inspectCluster(ports, { only: options.only });
  const last = lastTransition(ports);
  if (options.json) {
    const json = rows.map(({ resource, holding }) => ({ name: resource.name, kind: resource.kind, ...holding }));
    const lastJson = last ? { lastTransition: last } : {};
    process.stdout.write(`${JSON.stringify({ cluster: ports.description.cluster, resources: json, ...lastJson }, null, 2)}\n`);
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
  if (last) process.stdout.write(`\n${lastTransitionLine(last)}\n`);
  const routes = endpointRouteBlock(await endpointRouteLines(ports, env));
  if (routes) process.stdout.write(`\n${routes}`);
  return exitCodes.ok;
}

/** The newest journal entry, for `show`; a journal that cannot be read leaves the line out rather than the table. */
function lastTransition(ports: Ports): JournalEntry | undefined {
  try {
    const { historyDir } = ports.description.paths;
    return readJournal(historyDir, { currentOnly: true }).entries.at(-1) ?? readJournal(historyDir).entries.at(-1);
  } catch (e) {
    ports.log.warn(`the journal of transitions could not be read: ${errorText(e)}`);
    return undefined;
  }
}

/** The journal, newest last: a table, or with --json its lines as they are. Twenty transitions unless -n says. */
function history(ports: Ports, options: NotifyOptions): number {
  const { historyDir } = ports.description.paths;
  const { entries, skipped, found } = readJournal(historyDir);
  if (!found) {
    process.stdout.write(`no transitions recorded yet: ${journalPath(historyDir)} does not exist\n`);
    return exitCodes.ok;
  }
  const newest = entries.slice(-(options.count ?? 20));
  if (options.json) process.stdout.write(newest.map((e) => `${JSON.stringify(e)}\n`).join(""));
  else process.stdout.write(historyTable(newest));
  if (skipped > 0)
    process.stderr.write(`note: ${skipped} line${skipped === 1 ? "" : "s"} of ${journalPath(historyDir)} skipped: not a journal entry\n`);
  return exitCodes.ok;
}

function onlyArgs(options: NotifyOptions): string[] {
  return options.only.length > 0 ? [`--only=${options.only.join(",")}`] : [];
}
