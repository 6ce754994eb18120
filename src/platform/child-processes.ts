import type * as ChildProcesses from "node:child_process";

// node:child_process is loaded when the first command, logger or detached worker starts, not with
// the bundle: a failover that starts none (keepalived's usual one, syslog off) skips it (about
// 1.4 ms of a cold start here), and one that does loads it then, often while an EC2 call is in flight.
// The bundle is CommonJS (as is the test runner's module scope), so `require` is at hand; node:module's
// createRequire would load the ES module loader's code instead (0.4 ms).

let loaded: typeof ChildProcesses | undefined;

export function childProcesses(): typeof ChildProcesses {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  return (loaded ??= require("node:child_process") as typeof ChildProcesses);
}
