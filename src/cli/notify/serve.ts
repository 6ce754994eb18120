import { existsSync } from "node:fs";
import type { Socket } from "node:net";
import { isAbsolute } from "node:path";
import { clusterPath, loadClusterDescription } from "../../cluster/load";
import type { ClusterDescription } from "../../cluster/schema";
import { exitCodeFor, exitCodes } from "../../exit-codes";
import { errorText, Logger, StreamSink, SyslogSink, type Sink } from "../../log";
import { descriptionCache } from "../../session/description-cache";
import { buildPorts } from "../../session/ports";
import { Session, type SessionSpec } from "../../session/session";
import { statOf } from "../../transition/process-start";
import type { Ports } from "../../transition/runner";
import { parseNotifyArgs, type NotifyOptions } from "./args";
import {
  defaultHelperSocket,
  encodeMessage,
  environmentDigest,
  handOverLimits,
  helperSocketVariable,
  MessageLines,
  parseRequest,
  type ReceivedRequest,
  type HelperAnswer,
} from "./hand-over";
import { listenOn, removeOurSocket } from "./helper-socket";
import { runOcf } from "./ocf";
import { Resident } from "./resident";
import { runNotify } from "./run";
import { parseUpdateEipArgs } from "../updateeip/args";
import { runUpdateEip } from "../updateeip/run";
import { keepCompiledCode } from "../../host/compiled-code";

// `aws-ha-notify serve`: the resident helper for the daemons that start one process per event
// (keepalived without its FIFO, Heartbeat, Pacemaker): aws-ha-notify's and aws-ha-updateeip's. Each
// such process offers its event here before it loads its bundle (src/build/offer-to-helper.ts);
// the helper runs it through the very code
// the process would have run — the same session, transition, closing line and exit code — with the
// code loaded, the identity read and the EC2 connection kept open as the FIFO reader keeps them
// (resident.ts), and sends back the exit code and the lines the process would have printed. It only
// acts when asked: no drift repair, no event of its own. Anything it cannot do exactly as the
// process would (another environment, a description it cannot load, a dry run) it declines, and the
// process does the work itself.

/** Events run at once; another caller meanwhile hears "busy" and does its event itself. */
const maxEventsAtOnce = 4;
/** Descriptions whose connections are kept (each its own region and timeouts). */
const maxKeptConnections = 8;

export interface ServeOptions {
  /** The description prepared for ahead of the first event. */
  descriptionPath: string;
  logFormat: NotifyOptions["logFormat"];
  verbose: boolean;
  env: NodeJS.ProcessEnv;
}

/** Serves events until SIGTERM or SIGINT, then lets those in progress finish. */
export async function serveEvents(options: ServeOptions): Promise<number> {
  const sinks: Sink[] = [new StreamSink(process.stderr, options.logFormat, options.verbose ? "debug" : "info")];
  if (options.env.AWS_HA_SYSLOG !== "off" && SyslogSink.available()) sinks.push(new SyslogSink("aws-ha-notify", options.logFormat));
  const log = new Logger(sinks).child({ helper: process.pid });
  const socketPath = options.env[helperSocketVariable] || defaultHelperSocket;
  const server = await listenOn(socketPath);
  const events = new EventRunner(sinks, options.env);
  log.info(`serving events on ${socketPath}`, { cluster: options.descriptionPath });
  const keepWarm = await events.prepare(options.descriptionPath, log);
  server.on("connection", (socket) => void events.serve(socket, log));
  // A failed accept (out of file descriptors) costs that caller its hand-over, never the helper.
  server.on("error", (e) => log.warn(`the helper's socket: ${errorText(e)}`));
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info(`${signal}: no new events; finishing ${events.inProgress} in progress`);
      server.close();
      removeOurSocket(socketPath);
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  keepWarm?.stop();
  await events.drained();
  await Promise.all(sinks.map((s) => s.close()));
  return exitCodes.ok;
}

/** What an accepted event will run, with the description it names. */
interface Accepted {
  run: () => Promise<{ exit: number; stdout: string; stderr: string }>;
  /** Its description: read once more before the event, for the deadline the caller may wait for. */
  path: string;
  env: NodeJS.ProcessEnv;
  /** aws-ha-updateeip may act with no description (addresses on its command line): the defaults' deadline then. */
  descriptionOptional: boolean;
}

class EventRunner {
  inProgress = 0;
  private readonly digest: string;
  private idle: (() => void) | undefined;
  /** EC2 client and metadata service per region and timeouts: their connections outlive events. */
  private readonly kept = new Map<string, Pick<Ports, "imds" | "ec2">>();

  constructor(
    private readonly sinks: readonly Sink[],
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.digest = environmentDigest(env);
  }

  /** Ready for the first event of `path`'s cluster, and kept ready while idle (as the FIFO reader is). */
  async prepare(path: string, log: Logger): Promise<{ stop(): void } | undefined> {
    let description: ClusterDescription;
    try {
      description = await loadClusterDescription(path, { parsed: descriptionCache(this.env) });
    } catch (e) {
      log.warn(`cannot prepare for ${path} (${errorText(e)}); each event loads its own description`);
      return undefined;
    }
    const resident = new Resident(this.portsFor(description, log), { only: [], repairEveryMs: 0 });
    void resident.prewarm();
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const next = () => {
      if (stopped) return;
      timer = setTimeout(() => {
        if (this.inProgress > 0) return next();
        void resident.tick(() => this.inProgress > 0 || stopped).finally(next);
      }, resident.dueInMs());
      timer.unref();
    };
    next();
    return {
      stop: () => {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }

  /** One caller: its request read (bounded in size and time), accepted or declined, run, answered. */
  async serve(socket: Socket, log: Logger): Promise<void> {
    const request = await readRequest(socket);
    if (!request) return void socket.destroy();
    const say = (answer: HelperAnswer) => socket.write(encodeMessage(answer));
    const caller = { pid: request.pid, argv: request.argv.join(" ") };
    let accepted: Accepted;
    try {
      accepted = this.accept(request, log);
    } catch (e) {
      log.info(`declined an event, its process does it itself: ${errorText(e)}`, caller);
      say({ declined: errorText(e) });
      return void socket.end();
    }
    this.inProgress++;
    try {
      // At once, before any file is read: the caller waits only tens of milliseconds for this.
      say({ accepted: true, withinMs: 2 * handOverLimits.requestMs });
      socket.on("error", () => undefined);
      await new Promise((resolve) => setImmediate(resolve));
      if (socket.readyState !== "open") {
        // It gave up waiting and does the event itself: one run of it is enough.
        log.info("the caller hung up before its event started: not run here", caller);
        return;
      }
      say({ accepted: true, withinMs: await eventBoundMs(accepted) });
      // The caller may die from here on (keepalived kills notify_stop after a second): the event runs to its end regardless.
      const result = await accepted.run();
      log.debug("event done for its caller", { ...caller, exit: result.exit });
      if (!socket.destroyed) socket.end(encodeMessage(answerWithin(result)));
      // After the answer: the next start of the helper finds an event's code compiled (once per process).
      setImmediate(keepCompiledCode);
    } catch (e) {
      // Nothing of the event's own reaches here (its session maps every error to an exit code).
      log.error(`an event failed in the helper: ${errorText(e)}`, caller);
      socket.destroy();
    } finally {
      this.inProgress--;
      if (this.inProgress === 0) this.idle?.();
    }
  }

  /** Resolves once no event is in progress. */
  drained(): Promise<void> {
    if (this.inProgress === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }

  /** Throws why not when the event cannot run here exactly as in its own process. */
  private accept(request: ReceivedRequest, log: Logger): Accepted {
    if (this.inProgress >= maxEventsAtOnce) throw new Error(`busy with ${this.inProgress} events`);
    if (statOf(request.pid)?.start !== request.start) throw new Error(`process ${request.pid} is gone`);
    if (request.envDigest !== this.digest) throw new Error("its AWS_* and proxy variables differ from the helper's");
    const env = callerEnv(this.env, request.env);
    const arrival = { ticks: request.start, pid: request.pid, seq: 0 };
    const ocfAction = env.OCF_RESOURCE_INSTANCE ? request.argv[0] : undefined;
    let path: string;
    let open: (spec: SessionSpec, body: (s: Session) => Promise<number>) => Promise<number>;
    let stdout = "";
    let stderr = "";
    const sessionFor = (spec: SessionSpec, body: (s: Session) => Promise<number>) =>
      this.session(spec, body, (text) => {
        stderr = capped(stderr + text);
      });
    let run: () => Promise<number>;
    const out = (text: string) => void (stdout = capped(stdout + text));
    if (request.program === "aws-ha-updateeip") {
      const parsed = parseUpdateEipArgs(request.argv);
      if (parsed.kind !== "run" || !["start", "stop", "status"].includes(parsed.args.action))
        throw new Error(`aws-ha-updateeip ${request.argv.at(-1) ?? ""} is not served`);
      path = clusterPath(parsed.args.cluster, env);
      run = () => runUpdateEip(parsed.args, env, { open: sessionFor, out }, arrival);
    } else if (ocfAction !== undefined) {
      if (!["start", "stop", "monitor", "status"].includes(ocfAction)) throw new Error(`OCF ${ocfAction} is not served`);
      path = clusterPath(env.OCF_RESKEY_cluster || undefined, env);
      open = sessionFor;
      run = () => runOcf(ocfAction, env, open);
    } else {
      const { command, options } = parseNotifyArgs(request.argv);
      if (options.dryRun) throw new Error("a dry run is not served");
      if (command.kind !== "transition" && command.kind !== "status") throw new Error(`${command.kind} is not served`);
      path = clusterPath(options.cluster, env);
      const served = command.kind === "transition" ? { ...command, transition: { ...command.transition, arrival } } : command;
      run = () => runNotify(served, options, env, { open: sessionFor, out });
    }
    if (!isAbsolute(path)) throw new Error(`the description ${path} is not named by an absolute path`);
    log.debug("accepted an event", { pid: request.pid, argv: request.argv.join(" ") });
    return {
      path,
      env,
      descriptionOptional: request.program === "aws-ha-updateeip",
      run: async () => {
        const exit = await run();
        return { exit, stdout, stderr };
      },
    };
  }

  /** runSession's part for one caller: its log lines go to the helper's log and back to the caller, as its own process would print them. */
  private async session(spec: SessionSpec, body: (s: Session) => Promise<number>, toCaller: (text: string) => void): Promise<number> {
    const caller = new StreamSink(
      { write: (text: string) => (toCaller(text), true) } as unknown as NodeJS.WritableStream,
      spec.logFormat,
      spec.verbose ? "debug" : "info",
    );
    const root = new Logger([...this.sinks, caller]);
    const log = spec.fields ? root.child(spec.fields) : root;
    try {
      return await body(new KeptSession(log, spec.env, (d, l) => this.portsFor(d, l)));
    } catch (e) {
      log.failure(e);
      return (spec.failed ?? exitCodeFor)(e);
    }
  }

  /** A description's ports, with the EC2 client and metadata service kept from earlier events of the same region and timeouts. */
  private portsFor(description: ClusterDescription, log: Logger): Ports {
    const ports = buildPorts(description, log, this.env);
    const key = JSON.stringify([description.region ?? null, description.timeouts]);
    let kept = this.kept.get(key);
    if (!kept) {
      if (this.kept.size >= maxKeptConnections) this.kept.delete(this.kept.keys().next().value!);
      kept = { imds: ports.imds, ec2: ports.ec2 };
      this.kept.set(key, kept);
    }
    return { ...ports, imds: kept.imds, ec2: kept.ec2 };
  }
}

class KeptSession extends Session {
  constructor(
    log: Logger,
    env: NodeJS.ProcessEnv,
    private readonly kept: (d: ClusterDescription, log: Logger) => Ports,
  ) {
    super(log, env);
  }
  override ports(description: ClusterDescription): Ports {
    return this.kept(description, this.log);
  }
}

/**
 * How long the caller may wait for the end: the transition's deadline (it covers the wait for the
 * lock) and some room for the journal. A description that cannot be read gets a short bound: the
 * event then ends at once with the error the process itself would have given.
 */
async function eventBoundMs(accepted: Accepted): Promise<number> {
  const within = (transitionSeconds: number) =>
    Math.min(handOverLimits.longestEventMs, transitionSeconds * 1000 + 2 * handOverLimits.requestMs);
  try {
    const description = await loadClusterDescription(accepted.path, { parsed: descriptionCache(accepted.env) });
    return within(description.timeouts.transition);
  } catch {
    if (accepted.descriptionOptional && !existsSync(accepted.path)) {
      // The schema knows the defaults (as src/session/without-description.ts reads them).
      const { timeoutsSchema } = await import("../../cluster/schema");
      return within(timeoutsSchema.parse({}).transition);
    }
    return 2 * handOverLimits.requestMs;
  }
}

/** The helper's own environment, with the caller's description and OCF parameters instead of its own. */
function callerEnv(own: NodeJS.ProcessEnv, caller: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(own)) if (name !== "AWS_HA_CLUSTER" && !name.startsWith("OCF_")) env[name] = value;
  for (const [name, value] of Object.entries(caller)) if (name === "AWS_HA_CLUSTER" || name.startsWith("OCF_")) env[name] = value;
  return env;
}

const cappedAt = handOverLimits.answerBytes / 4;

/** At most a quarter of an answer each for stdout and stderr; what passes it is cut and said to be. */
function capped(text: string): string {
  return text.length <= cappedAt ? text : `${text.slice(0, cappedAt - 40)}\n… cut: more than ${cappedAt} bytes\n`;
}

function answerWithin(result: { exit: number; stdout: string; stderr: string }): HelperAnswer {
  return { exit: result.exit, stdout: capped(result.stdout), stderr: capped(result.stderr) };
}

/** The caller's one request line, within the size and time bounds; undefined (and hung up on) otherwise. */
function readRequest(socket: Socket): Promise<ReceivedRequest | undefined> {
  return new Promise((resolve) => {
    const lines = new MessageLines(handOverLimits.requestBytes);
    let done = false;
    const finish = (request: ReceivedRequest | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners("data");
      resolve(request);
    };
    const timer = setTimeout(() => finish(undefined), handOverLimits.requestMs);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      try {
        const [first] = lines.take(chunk);
        if (first !== undefined) finish(parseRequest(first));
      } catch {
        finish(undefined);
      }
    });
    socket.on("error", () => finish(undefined));
    socket.on("close", () => finish(undefined));
  });
}
