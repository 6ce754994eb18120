import { existsSync } from "node:fs";
import { runSync } from "./commands";
import { heartbeatBinary } from "./heartbeat";
import { missingBundles } from "./bundles";

// The lab needs root, the daemons from Debian's packages and the tools that build namespaces and
// loop devices. Each missing piece becomes a skip reason that names it, never a half-built lab.

const tools = ["ip", "unshare", "nsenter", "losetup", "mkfs.ext4", "truncate", "mount", "logger"] as const;

export function labBlocker(daemon: "keepalived" | "heartbeat"): string | undefined {
  if (process.platform !== "linux") return "the lab needs Linux network namespaces";
  if (process.getuid?.() !== 0) return "the lab needs root (network namespaces, loop devices, mounts)";
  for (const tool of tools) if (runSync(["sh", "-c", `command -v ${tool}`]).code !== 0) return `${tool} is not installed`;
  if (daemon === "keepalived" && runSync(["sh", "-c", "command -v keepalived"]).code !== 0)
    return "keepalived is not installed (apt-get install keepalived)";
  if (daemon === "heartbeat" && !existsSync(heartbeatBinary)) return `${heartbeatBinary} is missing (apt-get install heartbeat)`;
  if (!existsSync("/dev/loop-control")) return "no /dev/loop-control: loop devices are unavailable here";
  return missingBundles();
}
