import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { dirname, isAbsolute } from "node:path";
import { AwsHaError } from "../../errors";
import { makeDirectory } from "../../host/make-directory";
import { defaultHelperSocket, helperSocketVariable } from "./hand-over";

// The resident helper's socket: whoever may connect to it may have any event run as the helper's
// user (root), so it lives in a directory only that user can write, is made 0600 from the start,
// and never replaces the socket of a helper that still answers.

const uid = typeof process.getuid === "function" ? process.getuid() : -1;

/**
 * Listens on `path` in a directory only this user can write (made 0700 when missing), with the
 * socket 0600: whoever may connect may have any event run as this user (root).
 */
export async function listenOn(path: string): Promise<Server> {
  const fix = `let only root write it: chown root:root ${dirname(path)} && chmod 0700 ${dirname(path)}`;
  if (!isAbsolute(path))
    throw new AwsHaError("usage", `${helperSocketVariable}=${path} is not an absolute path`, {
      fix: `leave it unset for ${defaultHelperSocket}`,
    });
  try {
    makeDirectory(dirname(path), 0o700);
  } catch (e) {
    throw new AwsHaError("install", `cannot make ${dirname(path)}: ${(e as Error).message}`, { fix });
  }
  const dir = lstatSync(dirname(path));
  if (!dir.isDirectory() || dir.uid !== uid || (dir.mode & 0o022) !== 0)
    throw new AwsHaError("install", `${dirname(path)} is not a directory of this user's that nobody else can write`, { fix });
  await removeStaleSocket(path);
  const server = createServer({ allowHalfOpen: false });
  // Made 0600 from the start: no moment in which someone else could connect.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  return server;
}

/** A socket left by a helper that died is removed; one a live helper answers on is not ours to take. */
async function removeStaleSocket(path: string): Promise<void> {
  let stats;
  try {
    stats = lstatSync(path);
  } catch {
    return;
  }
  if (!stats.isSocket())
    throw new AwsHaError("install", `${path} exists and is not a socket`, { fix: `remove ${path}, or set ${helperSocketVariable}` });
  const live = await new Promise<boolean>((resolve) => {
    const probe = createConnection({ path });
    const timer = setTimeout(() => (probe.destroy(), resolve(true)), 1_000);
    probe.once("connect", () => (clearTimeout(timer), probe.destroy(), resolve(true)));
    probe.once("error", () => (clearTimeout(timer), resolve(false)));
  });
  if (live)
    throw new AwsHaError("install", `another aws-ha-notify serve answers on ${path}`, {
      fix: "stop it first, or set AWS_HA_HELPER_SOCKET",
    });
  unlinkSync(path);
}

export function removeOurSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // gone already
  }
}
