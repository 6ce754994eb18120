import { lstatSync, mkdirSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { AwsHaError } from "../errors";
import { statIfThere } from "../host/maybe-gone";

// paths.runDir holds the lock and the tickets that decide which event wins, and the records of the
// commands a transition started: whoever can write there can make root's `master` do nothing, or
// fail, or kill a process. The directory must be this user's (root's, in production) and writable
// by nobody else. Only its last component is created: its parent must exist (Node's recursive
// mkdir never returns below /proc), and a directory that someone else made first, as anyone can
// in a sticky world-writable directory such as /tmp, is refused.
//
// The calls are synchronous: each is a few microseconds on /run, where a round trip through the
// thread pool costs a cold failover more than the work (and starts the pool's threads first).

/** Creates paths.runDir 0700 if it is missing; refuses one that another user owns or may write to. */
export async function openRunDir(path: string): Promise<string> {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new AwsHaError("config", `paths.runDir ${path}: its parent directory does not exist`, {
        fix: "create the parent directory, or choose another paths.runDir in the cluster description",
      });
    if (code !== "EEXIST")
      throw new AwsHaError("config", `paths.runDir ${path}: cannot create it (${code ?? (e as Error).message})`, {
        fix: "choose a paths.runDir that this user may create, such as /run/aws-ha",
      });
  }
  return refuseUnsafeDirectory(path, runDirTrust);
}

/** What a directory of aws-ha's holds, for the error that refuses an unsafe one. */
export interface DirectoryTrust {
  /** The description's key that names it. */
  setting: string;
  /** Why it must be safe: what anyone who can write there could do. */
  risk: string;
  /** The mode aws-ha creates it with. */
  mode: number;
}

const runDirTrust: DirectoryTrust = {
  setting: "paths.runDir",
  risk: "anyone who can write there can stop or fake this node's transitions",
  mode: 0o700,
};

/** Refuses a directory (or a link to one) that another user owns or that its group or others may write to. */
export async function refuseUnsafeDirectory(path: string, trust: DirectoryTrust): Promise<string> {
  const link = lstatSync(path);
  const dir = link.isSymbolicLink() ? statIfThere(path) : link;
  const uid = process.getuid?.() ?? 0;
  if (!dir?.isDirectory()) throw unsafe(path, "is not a directory", uid, trust);
  if (link.uid !== uid || dir.uid !== uid)
    throw unsafe(path, `belongs to uid ${link.uid !== uid ? link.uid : dir.uid}, not to ${owner(uid)}`, uid, trust);
  if ((dir.mode & 0o022) !== 0)
    throw unsafe(
      path,
      `is writable by ${dir.mode & 0o002 ? "others" : "its group"} (mode ${(dir.mode & 0o7777).toString(8).padStart(4, "0")})`,
      uid,
      trust,
    );
  return path;
}

/** A directory of our own inside the run directory (the event tickets, the command records). */
export async function ownSubdirectory(runDir: string, name: string): Promise<string> {
  const path = join(runDir, name);
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const found = lstatSync(path);
  if (!found.isDirectory())
    throw new AwsHaError("config", `${path} is not a directory (aws-ha keeps its ${name.split(".").pop()} there)`, {
      fix: `remove it: rm ${path}`,
    });
  return path;
}

function unsafe(path: string, why: string, uid: number, { setting, risk, mode }: DirectoryTrust): AwsHaError {
  const octal = mode.toString(8).padStart(4, "0");
  return new AwsHaError("config", `${setting} ${path} ${why}: ${risk}`, {
    fix: `rm -rf ${path} (aws-ha creates it again, ${octal}), or make it safe: chown ${owner(uid)}:${uid === 0 ? "root" : userGroup()} ${path}; chmod ${octal} ${path}`,
  });
}

function owner(uid: number): string {
  if (uid === 0) return "root";
  try {
    return userInfo().username;
  } catch {
    return String(uid);
  }
}

function userGroup(): string {
  return String(process.getgid?.() ?? 0);
}
