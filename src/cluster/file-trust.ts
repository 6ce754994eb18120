import { constants, lstatSync, readlinkSync, type Stats } from "node:fs";
import { posix } from "node:path";

// Who could change a file that makes aws-ha act as root: the cluster description, the hooks,
// health checks and init scripts it names, the saved secrets. The rules are keepalived's script
// security (lib/notify.c check_script_secure, confirmed against keepalived 2.2.7), applied to one
// directory entry at a time:
// - the entry must be owned by root (or by the one other trusted user: the user running aws-ha,
//   who gains nothing by fooling themselves);
// - a file, or a directory without the sticky bit, must not be writable by others, nor by a group
//   other than root. A sticky directory (like /tmp) lets a user rename or remove only their own
//   entries, and those are judged by their owner; a link's own mode means nothing.

const { S_IWGRP, S_IWOTH } = constants;
/** The sticky bit; node's fs.constants does not name it. */
const S_ISVTX = 0o1000;
/** As the kernel's MAXSYMLINKS: a longer chain of links is a loop. */
const maxLinks = 40;

export type EntryKind = "file" | "directory" | "link";

export interface TrustProblem {
  path: string;
  kind: EntryKind;
  /** `owner`, or who besides the owner may write: `others`, `group` or both (`group, others`). */
  cause: "owner" | "others" | "group" | "group, others";
  /** What is wrong, after the entry's name: `is writable by others (mode 0666)`. */
  issue: string;
}

/** The uid of this process; 0 where the platform has none. */
export function currentUid(): number {
  return process.getuid?.() ?? 0;
}

/** keepalived's rules for one entry; `trustedUid` is trusted besides root. */
export function entryProblems(path: string, entry: Stats, trustedUid = 0): TrustProblem[] {
  const kind: EntryKind = entry.isDirectory() ? "directory" : entry.isSymbolicLink() ? "link" : "file";
  const problems: TrustProblem[] = [];
  if (entry.uid !== 0 && entry.uid !== trustedUid)
    problems.push({
      path,
      kind,
      cause: "owner",
      issue: `is owned by uid ${entry.uid}, not root${trustedUid !== 0 ? ` or uid ${trustedUid}` : ""}`,
    });
  const modeMatters = !entry.isSymbolicLink() && !(entry.isDirectory() && entry.mode & S_ISVTX);
  const byOthers = modeMatters && (entry.mode & S_IWOTH) !== 0;
  const byGroup = modeMatters && (entry.mode & S_IWGRP) !== 0 && entry.gid !== 0;
  if (byOthers || byGroup) {
    const who = [byGroup ? `group ${entry.gid}` : "", byOthers ? "others" : ""].filter(Boolean).join(" and ");
    const cause = byGroup && byOthers ? "group, others" : byGroup ? "group" : "others";
    problems.push({ path, kind, cause, issue: `is writable by ${who} (mode ${octal(entry.mode)})` });
  }
  return problems;
}

/** The fix for one problem, as a shell command; `owner` is who should own the entry. */
export function fixFor(problem: TrustProblem, owner = "root:root"): string {
  if (problem.cause === "owner") return `chown ${problem.kind === "link" ? "-h " : ""}${owner} ${problem.path}`;
  const who = { others: "o", group: "g", "group, others": "go" }[problem.cause];
  return `chmod ${who}-w ${problem.path}`;
}

export interface WalkedPath {
  problems: TrustProblem[];
  /** Where the walk ended, links followed, and what is there; undefined when something on the way is missing. */
  target?: { path: string; entry: Stats };
}

/**
 * Judges every entry the kernel passes through to open `path`: each directory from / down, each
 * link and each directory its target leads through, and the file itself. A missing entry ends the
 * walk without a problem: whoever could create it would need to write to a directory judged already.
 */
export function walkPath(path: string, trustedUid = 0): WalkedPath {
  const problems: TrustProblem[] = [];
  const judged = new Set<string>();
  const judge = (entryPath: string, entry: Stats) => {
    if (judged.has(entryPath)) return;
    judged.add(entryPath);
    problems.push(...entryProblems(entryPath, entry, trustedUid));
  };
  let current = "/";
  let entry = lstatSync("/");
  judge("/", entry);
  // Relative to the working directory, which getcwd gives without links; not normalised, because
  // `..` after a link leads out of the link's target, not back out of the link.
  const absolute = path.startsWith("/") ? path : `${process.cwd()}/${path}`;
  // A stack of the components still to resolve, the next one on top.
  const pending = components(absolute).reverse();
  let links = 0;
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (name === ".") continue;
    if (name === "..") {
      // `current` never contains a link, so its parent is the real one.
      current = posix.dirname(current);
      entry = lstatSync(current);
      continue;
    }
    if (!entry.isDirectory()) return { problems };
    const next = posix.join(current, name);
    const found = lstatOrUndefined(next);
    if (!found) return { problems };
    judge(next, found);
    if (found.isSymbolicLink()) {
      if (++links > maxLinks) return { problems };
      const target = readlinkSync(next);
      pending.push(...components(target).reverse());
      if (target.startsWith("/")) {
        current = "/";
        entry = lstatSync("/");
      }
      continue;
    }
    current = next;
    entry = found;
  }
  return { problems, target: { path: current, entry } };
}

function components(path: string): string[] {
  return path.split("/").filter(Boolean);
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    // Missing, or not ours to look into: either way there is nothing here to judge.
    return undefined;
  }
}

/** `file /a is writable by others (mode 0666)`. */
export function describeProblem(problem: TrustProblem): string {
  return `${problem.kind} ${problem.path} ${problem.issue}`;
}

/**
 * The commands that make a walked path trustworthy: per entry, `chown` for a wrong owner and, for
 * a bad mode, `chmod TARGETMODE` on the file itself or `chmod go-w` on a directory.
 */
export function fixesFor(problems: readonly TrustProblem[], target: string, targetMode: number, owner = "root:root"): string[] {
  const fixes: string[] = [];
  for (const path of new Set(problems.map((p) => p.path))) {
    const own = problems.filter((p) => p.path === path);
    const wrongOwner = own.find((p) => p.cause === "owner");
    if (wrongOwner) fixes.push(fixFor(wrongOwner, owner));
    if (own.some((p) => p.cause !== "owner")) fixes.push(path === target ? `chmod ${octal(targetMode)} ${path}` : `chmod go-w ${path}`);
  }
  return fixes;
}

export function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}
