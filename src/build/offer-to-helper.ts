import process from "node:process";
import { handOver } from "../cli/notify/hand-over-client";
import type { HandOverProgram } from "../cli/notify/hand-over";
import { startBundle } from "./code-cache-bootstrap";

/**
 * A call the resident helper may run is first offered to it, before the bundle is read and compiled:
 * the helper has the code loaded, the identity read and the EC2 connection open, so the event costs
 * little more than Node's own start. This process then prints what the helper answers and exits
 * with its code; without an answer from it, the bundle runs the call here as always.
 */
export function offerToHelper(program: HandOverProgram, offered: (argv: readonly string[], env: NodeJS.ProcessEnv) => boolean): void {
  const argv = process.argv.slice(2);
  if (!offered(argv, process.env)) return startBundle();
  const say = (line: string) => {
    if (process.env.AWS_HA_CODE_CACHE_DEBUG === "1") process.stderr.write(`hand-over: ${line}\n`);
  };
  void handOver(program, argv, process.env, say).then((result) => {
    if (!result) return startBundle();
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    process.exitCode = result.exit;
  });
}
