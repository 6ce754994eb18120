import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderHeartbeat } from "../../../src/gen/heartbeat";
import { runCli, type CliRun } from "./run-cli";
import type { TwoNodeWorld } from "./two-node-world";

// Heartbeat v1 does not run haresources scripts itself: on takeover and standby it runs
// /usr/share/heartbeat/ResourceManager (takegroup, givegroup, status), a shell script that reads
// $HA_DIR/haresources, splits `script::arg::arg`, looks the script up in $HA_DIR/resource.d and
// reads the text of `status`. It sets HA_DIR=/etc/ha.d itself and sources /etc/ha.d/shellfuncs,
// so it runs here in a private mount namespace where a copy of the packaged /etc/ha.d, holding the
// rendered haresources and the resource.d link, is bind-mounted over /etc/ha.d. What heartbeat
// adds around it (the messaging that decides who takes the group) is not needed to judge the
// resource script, so the test calls ResourceManager the way heartbeat's takeover and standby do.

export const resourceManager = "/usr/share/heartbeat/ResourceManager";

/** Why ResourceManager cannot run here, or undefined when it can. */
export function resourceManagerBlocker(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (a private mount namespace with a bind mount over /etc/ha.d)";
  if (!existsSync(resourceManager) || !existsSync("/etc/ha.d/shellfuncs"))
    return `${resourceManager} is missing (apt-get install heartbeat)`;
  if (spawnSync("unshare", ["--mount", "--propagation", "private", "true"]).status !== 0) return "unshare --mount does not work here";
  return undefined;
}

export interface HeartbeatStage {
  haDir: string;
  /** The group key ResourceManager takes and gives: the first resource of the haresources line. */
  groupKey: string;
  haresources: string;
  /** Heartbeat's log and debug log (the scripts' stderr lands in the debug log). */
  logFile: string;
  debugLog: string;
  run(node: "a" | "b", ...args: string[]): Promise<CliRun>;
}

/** /etc/ha.d as the package installs it, plus the haresources aws-ha-gen renders and the resource.d link. */
export function stageHeartbeat(world: TwoNodeWorld, updateeipBinary: string): HeartbeatStage {
  const haDir = join(world.dir, "ha.d");
  cpSync("/etc/ha.d", haDir, { recursive: true });
  const files = renderHeartbeat(world.a.description, world.a.name, {
    clusterPath: world.a.clusterFile,
    secrets: { heartbeatAuthKey: "resource-manager-test-key" },
  });
  writeFileSync(join(haDir, "haresources"), files.haresources);
  symlinkSync(updateeipBinary, join(haDir, "resource.d", "aws-ha-updateeip"));
  const line = files.haresources.split("\n").find((l) => l.trim() !== "" && !l.startsWith("#"));
  const groupKey = line!.trim().split(/\s+/)[1]!;
  const logDir = join(world.dir, "ha-log");
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, "ha-log");
  const debugLog = join(logDir, "ha-debug");
  return {
    haDir,
    groupKey,
    haresources: files.haresources,
    logFile,
    debugLog,
    run: (node, ...args) =>
      runCli(
        [
          "unshare",
          "--mount",
          "--propagation",
          "private",
          "sh",
          "-c",
          'mount --bind "$0" /etc/ha.d && exec "$@"',
          haDir,
          resourceManager,
          ...args,
        ],
        world[node].envWith({
          // What heartbeat exports to ResourceManager; the description is found where the node keeps it.
          HA_CURHOST: world[node].name,
          HA_LOGFILE: logFile,
          HA_DEBUGLOG: debugLog,
          HA_LOGD: "no",
          AWS_HA_CLUSTER: world[node].clusterFile,
        }),
        60_000,
      ),
  };
}

export function readLog(path: string): string {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}
