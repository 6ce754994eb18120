import process from "node:process";
import { handOver } from "../cli/notify/hand-over-client";
import { mayHandOver } from "../cli/notify/hand-over";
import { startBundle } from "./code-cache-bootstrap";

// The start of aws-ha-notify. A transition (or a status or monitor) is first offered to the
// resident helper, if one listens, before the 1.7 MB bundle is read and compiled: the helper has
// the code loaded, the identity read and the EC2 connection open, so the event costs little more
// than Node's own start. Without an answer from it, the bundle runs the event here as always.

const argv = process.argv.slice(2);
const say = (line: string) => {
  if (process.env.AWS_HA_CODE_CACHE_DEBUG === "1") process.stderr.write(`hand-over: ${line}\n`);
};

if (mayHandOver(argv, process.env)) {
  void handOver(argv, process.env, say).then((result) => {
    if (!result) return startBundle();
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    process.exitCode = result.exit;
  });
} else startBundle();
