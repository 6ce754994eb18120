import { lstat, realpath } from "node:fs/promises";
import { join, posix } from "node:path";
import { AwsHaError } from "../errors";

// root mounts a volume wherever the mount point's path leads, and the kernel follows links on the
// way. A user who can change any directory on that path — owns it, or may write it, sticky /tmp
// included — can put a link there and choose where the volume lands: over /etc, say; and on
// release, which mount root takes away and whose processes it kills. So every directory from /
// down to the mount point must be root's, writable by root alone, and none may be a link. Then
// nobody but root can change the path between this check and the mount.

export interface PathEntry {
  kind: "directory" | "symlink" | "other";
  uid: number;
  /** Permission bits, sticky bit included. */
  mode: number;
}

/** How the check sees the file system: the machine's own, or a stand-in in tests. */
export interface PathView {
  /** What lstat says: the entry itself, never what a link points at; undefined when there is none. */
  entry(path: string): Promise<PathEntry | undefined>;
  /** The path with every link followed. */
  resolved(path: string): Promise<string>;
}

export interface MountPointRules {
  view: PathView;
  /** Who must own every directory on the way: root (0) on a node. */
  ownerUid: number;
  /**
   * Something is mounted on the mount point itself. lstat then shows the root directory of that file
   * system, which may belong to the service that uses it (postgres, say); nobody can swap a directory
   * that is mounted on, so only the directories above it are held to the rules.
   */
  mounted: boolean;
}

/** The mount point as the kernel lists it: absolute, without `.`, `..`, doubled or trailing slashes. */
export function normalisedMountPoint(mountPoint: string): string {
  return posix.resolve("/", mountPoint);
}

/**
 * The normalised mount point, once it is safe for root to mount on or unmount; otherwise an error
 * (kind "host") naming every problem on the way and the commands that fix them. Directories that do
 * not exist yet are fine: the mount creates them, as root's.
 */
export async function checkMountPoint(mountPoint: string, rules: MountPointRules): Promise<string> {
  const path = normalisedMountPoint(mountPoint);
  const problems: Problem[] = [];
  let deepest: string | undefined;
  for (const dir of directoriesOnTheWay(path)) {
    const entry = await rules.view.entry(dir);
    if (!entry) break;
    deepest = dir;
    if (entry.kind === "symlink") {
      problems.push(await linkProblem(rules.view, dir));
      break;
    }
    if (entry.kind !== "directory") {
      problems.push({ text: `${dir} is not a directory`, advice: `move ${dir} away, or choose another mountPoint` });
      break;
    }
    if (dir === path && rules.mounted) continue;
    if (entry.uid !== rules.ownerUid) problems.push(ownerProblem(dir, entry.uid, rules.ownerUid));
    if (entry.mode & 0o022) problems.push(writableProblem(dir, entry.mode));
  }
  // Each directory was looked at on its own; resolving the whole path catches a link that appeared
  // in between.
  if (problems.length === 0 && deepest !== undefined) {
    const resolved = await rules.view.resolved(deepest);
    if (resolved !== deepest)
      problems.push({ text: `${deepest} leads to ${resolved}`, advice: `find what changes the links under ${deepest}` });
  }
  if (problems.length > 0) throw refusal(path, problems, rules.ownerUid);
  return path;
}

/** The machine's file system; `root` stands for / (tests build their tree in a temp dir). */
export function fileSystemView(root = "/"): PathView {
  const at = (path: string) => join(root, path);
  return {
    async entry(path) {
      const found = await lstat(at(path)).catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return undefined;
        throw e;
      });
      if (!found) return undefined;
      const kind = found.isSymbolicLink() ? "symlink" : found.isDirectory() ? "directory" : "other";
      return { kind, uid: found.uid, mode: found.mode & 0o7777 };
    },
    async resolved(path) {
      const [real, realRoot] = await Promise.all([realpath(at(path)), realpath(root)]);
      if (realRoot === "/") return real;
      if (real === realRoot) return "/";
      return real.startsWith(`${realRoot}/`) ? real.slice(realRoot.length) : real;
    },
  };
}

/** What is wrong with one directory, and what fixes it: a chown, a chmod, or advice. */
interface Problem {
  text: string;
  chown?: string;
  chmod?: string;
  advice?: string;
}

/** `/srv/data` → `/`, `/srv`, `/srv/data`. */
function directoriesOnTheWay(path: string): string[] {
  const names = path.split("/").filter(Boolean);
  return ["/", ...names.map((_, i) => `/${names.slice(0, i + 1).join("/")}`)];
}

async function linkProblem(view: PathView, dir: string): Promise<Problem> {
  const target = await view.resolved(dir).catch(() => undefined);
  return {
    text: `${dir} is a symbolic link (${target === undefined ? "dangling" : `to ${target}`}), and mount points are not followed through links`,
    advice: `replace the link with a directory of root's (rm ${dir}; mkdir -m 0755 ${dir}), or set mountPoint to a path without links`,
  };
}

function ownerProblem(dir: string, uid: number, ownerUid: number): Problem {
  const owner = ownerUid === 0 ? "root" : `uid ${ownerUid}`;
  return { text: `${dir} is owned by uid ${uid}, not ${owner}`, chown: dir };
}

function writableProblem(dir: string, mode: number): Problem {
  const by = [mode & 0o020 ? "group" : "", mode & 0o002 ? "others" : ""].filter(Boolean).join(" and ");
  // chmod go-w on /tmp would break every program that writes there: the volume belongs elsewhere.
  if (mode & 0o1000 && mode & 0o002)
    return { text: `${dir} is writable by ${by} (sticky, like /tmp)`, advice: `choose a mountPoint outside ${dir}` };
  return { text: `${dir} is writable by ${by}`, chmod: dir };
}

/** One line for the operator: every chown in one command, every chmod in another, then the rest. */
function refusal(path: string, problems: readonly Problem[], ownerUid: number): AwsHaError {
  const chown = problems.flatMap((p) => p.chown ?? []);
  const chmod = problems.flatMap((p) => p.chmod ?? []);
  const fixes = [
    ...(chown.length ? [`chown ${ownerUid === 0 ? "root:root" : ownerUid} ${chown.join(" ")}`] : []),
    ...(chmod.length ? [`chmod go-w ${chmod.join(" ")}`] : []),
    ...problems.flatMap((p) => p.advice ?? []),
  ];
  return new AwsHaError(
    "host",
    `refusing mount point ${path}: ${problems.map((p) => p.text).join("; ")} (whoever can change a directory on the way can make root mount or unmount elsewhere)`,
    { fix: fixes.join("; ") },
  );
}
