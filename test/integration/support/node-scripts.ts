import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// What a node runs on top of the cloud resources: an init-style service script (start, stop, status
// with LSB's exit codes) and an operator's hook. Each node has its own copies in its own directory,
// and each leaves a journal there, so a scenario can tell what ran where and in which order.

export interface NodeScripts {
  serviceScript: string;
  hookScript: string;
  /** The service is running on this node now. */
  serviceRunning(): boolean;
  /** "start", "stop", "acquire", "release" lines, in the order they ran. */
  journal(): string[];
  /**
   * From now on the hook, once it has written its journal line, waits until `release` (at most
   * 9 s, within the hook's 10 s timeout): the transition that runs it keeps the node's lock meanwhile.
   */
  holdHook(): { release(): void };
}

export function writeNodeScripts(dir: string): NodeScripts {
  const running = join(dir, "service.running");
  const journal = join(dir, "journal");
  const serviceScript = join(dir, "service.sh");
  const hookScript = join(dir, "hook.sh");
  const hold = join(dir, "hook.hold");
  writeFileSync(
    serviceScript,
    `#!/bin/sh
case "$1" in
  start) touch '${running}'; echo start >> '${journal}' ;;
  stop) rm -f '${running}'; echo stop >> '${journal}' ;;
  status) [ -e '${running}' ] && exit 0; exit 3 ;;
  *) exit 2 ;;
esac
`,
    { mode: 0o755 },
  );
  writeFileSync(
    hookScript,
    `#!/bin/sh
echo "$1" >> '${journal}'
n=0
while [ -e '${hold}' ] && [ $n -lt 180 ]; do sleep 0.05; n=$((n + 1)); done
`,
    { mode: 0o755 },
  );
  return {
    serviceScript,
    hookScript,
    serviceRunning: () => existsSync(running),
    journal: () => (existsSync(journal) ? readFileSync(journal, "utf8").split("\n").filter(Boolean) : []),
    holdHook: () => {
      writeFileSync(hold, "");
      return { release: () => rmSync(hold, { force: true }) };
    },
  };
}
