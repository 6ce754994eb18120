import { makeDirectory, MakeDirectoryError } from "../host/make-directory";
import { AwsHaError } from "../errors";
import { refuseUnsafeDirectory } from "../transition/run-dir";

// paths.historyDir keeps the journal of transitions and the metrics' counters. Operators and
// monitoring read it (0755, files 0644); only root writes there: whoever could would write the
// history an operator reads after a failover, so it is judged as the run directory is.

/** Makes paths.historyDir (0755, with its missing parents) and refuses one that is not safely ours. */
export async function openHistoryDir(path: string): Promise<string> {
  try {
    makeDirectory(path, 0o755);
  } catch (e) {
    if (!(e instanceof MakeDirectoryError)) throw e;
    throw new AwsHaError("config", `paths.historyDir ${path}: ${e.message}`, {
      fix: "create it (mkdir -m 0755), or choose another paths.historyDir in the cluster description",
    });
  }
  return refuseUnsafeDirectory(path, {
    setting: "paths.historyDir",
    risk: "anyone who can write there can rewrite the history of this node's transitions",
    mode: 0o755,
  });
}
