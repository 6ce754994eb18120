import { AwsHaError } from "../errors";
import { outputTail, type Exec } from "./run-command";

// A volume that comes from a crashed node may hold a file system that was never cleanly
// unmounted; check it before mounting, as the boot would.

/** Large file systems take minutes to check; a transition deadline bounds the whole anyway. */
const fsckTimeoutMs = 10 * 60_000;

/**
 * xfs and btrfs replay their journal when mounted, and their fsck helpers do nothing by design
 * (fsck.xfs exits 0, fsck.btrfs warns against automatic repair), so there is nothing to run.
 */
const repairedAtMount = new Set(["xfs", "btrfs"]);

export async function fsck(exec: Exec, device: string, fsType: string): Promise<void> {
  if (repairedAtMount.has(fsType)) return;
  // -p repairs what is safe without questions; -T drops the banner.
  const argv = ["fsck", "-p", "-T", "-t", fsType, device];
  const result = await exec(argv, fsckTimeoutMs);
  // 0: clean, 1: errors corrected.
  if (result.exitCode === 0 || result.exitCode === 1) return;
  throw new AwsHaError("host", `${argv.join(" ")} failed (exit ${result.exitCode}: ${meaning(result.exitCode)}): ${outputTail(result)}`, {
    fix:
      result.exitCode & 4
        ? `repair it by hand (fsck -t ${fsType} ${device}, answering its questions) before this node mounts it, or set fsck: false to skip the check`
        : `see the message above; run fsck -t ${fsType} ${device} by hand`,
  });
}

/** fsck(8)'s exit codes are a bit mask; name the most serious bit set. */
function meaning(exitCode: number): string {
  if (exitCode & 128) return "shared-library error";
  if (exitCode & 32) return "cancelled";
  if (exitCode & 16) return "usage or syntax error";
  if (exitCode & 8) return "operational error";
  if (exitCode & 4) return "errors left uncorrected";
  if (exitCode & 2) return "errors corrected, reboot wanted";
  return "unexpected";
}
