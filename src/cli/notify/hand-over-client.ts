import { lstatSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { dirname, isAbsolute } from "node:path";
import {
  defaultHelperSocket,
  encodeMessage,
  environmentDigest,
  handOverLimits,
  helperSocketVariable,
  MessageLines,
  parseAnswer,
  requestEnvironment,
  requestOf,
  type HandOverProgram,
  type HandOverRequest,
} from "./hand-over";
import { monotonicMs } from "../../time/monotonic";

// The one-shot aws-ha-notify's first move, made before its bundle is read: if a resident helper
// (`aws-ha-notify serve`) listens, it runs the event with everything already loaded and connected,
// and this process only prints what it answers. Whenever anything is off — no helper, a socket
// someone else could have put there, no answer within tens of milliseconds, a helper that declines,
// hangs or dies before its last word — the answer is "undefined" and the caller does the work
// itself, as without a helper. The node's transition lock and event tickets make a second run of an
// event the helper had started harmless: it finds everything held and changes nothing.
//
// Kept free of the project's other modules but hand-over.ts: the start of the built CLI bundles it.

export interface HelperResult {
  exit: number;
  stdout: string;
  stderr: string;
}

/** Why the helper was not used, for AWS_HA_CODE_CACHE_DEBUG's lines; never an error. */
export type Say = (line: string) => void;

const uid = typeof process.getuid === "function" ? process.getuid() : -1;

/** The socket, if it is one only this user could have made and only this user can reach. */
export function trustedSocket(path: string, say: Say): boolean {
  if (!isAbsolute(path)) return (say(`${path} is not an absolute path`), false);
  try {
    const dir = lstatSync(dirname(path));
    if (!dir.isDirectory() || dir.uid !== uid || (dir.mode & 0o022) !== 0)
      return (say(`${dirname(path)} is not a directory of this user's that nobody else can write`), false);
    const socket = lstatSync(path);
    if (!socket.isSocket() || socket.uid !== uid || (socket.mode & 0o077) !== 0)
      return (say(`${path} is not a socket of this user's that only this user can use`), false);
    return true;
  } catch (e) {
    return (say(`no helper: ${(e as NodeJS.ErrnoException).code ?? String(e)}`), false);
  }
}

/** This process's start on the boot clock: with its PID, the stamp of the event it was forked for. */
function startTicks(): number {
  const stat = readFileSync("/proc/self/stat", "latin1");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
}

export function handOver(
  program: HandOverProgram,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  say: Say,
): Promise<HelperResult | undefined> {
  const path = env[helperSocketVariable] || defaultHelperSocket;
  if (!trustedSocket(path, say)) return Promise.resolve(undefined);
  let request: HandOverRequest;
  try {
    request = requestOf(program, {
      argv: [...argv],
      pid: process.pid,
      start: startTicks(),
      env: requestEnvironment(env),
      envDigest: environmentDigest(env),
    });
  } catch (e) {
    say(`not handed over: ${(e as Error).message}`);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const asked = monotonicMs();
    const socket = createConnection({ path });
    const lines = new MessageLines(handOverLimits.answerBytes);
    let accepted = false;
    let settled = false;
    const settle = (result: HelperResult | undefined, why?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (why) say(why);
      resolve(result);
    };
    let timer = setTimeout(
      () => settle(undefined, `the helper did not accept within ${handOverLimits.acceptMs} ms`),
      handOverLimits.acceptMs,
    );
    socket.setEncoding("utf8");
    socket.once("connect", () => socket.write(encodeMessage(request)));
    socket.on("data", (chunk: string) => {
      let received: string[];
      try {
        received = lines.take(chunk);
      } catch (e) {
        return settle(undefined, `the helper's answer is unreadable: ${(e as Error).message}`);
      }
      for (const line of received) {
        const answer = parseAnswer(line);
        if (!answer) return settle(undefined, "the helper's answer is unreadable");
        if ("declined" in answer) return settle(undefined, `the helper declined: ${answer.declined}`);
        // The first acceptance comes at once; a second may follow with the bound of the event's own deadline.
        if ("accepted" in answer) {
          if (!accepted) say(`accepted in ${Math.round(monotonicMs() - asked)} ms`);
          accepted = true;
          clearTimeout(timer);
          const within = answer.withinMs + handOverLimits.answerGraceMs;
          timer = setTimeout(() => settle(undefined, `the helper did not finish within ${within} ms`), within);
        } else if ("exit" in answer && accepted) return settle(answer, "done by the helper");
        else return settle(undefined, "the helper's answers came out of order");
      }
    });
    socket.on("error", (e: NodeJS.ErrnoException) => settle(undefined, `the helper's socket failed: ${e.code ?? e.message}`));
    socket.on("close", () => settle(undefined, "the helper hung up before its last answer"));
  });
}
