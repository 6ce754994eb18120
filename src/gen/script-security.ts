import { constants, type Stats } from "node:fs";
import { lstat, realpath, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join } from "node:path";
import { describeProblem, entryProblems, fixFor } from "../cluster/file-trust";

// keepalived with enable_script_security silently disables a script run as root when anything on
// its path could be changed by someone else, and `keepalived -t` does not say so. These are its
// rules (lib/notify.c check_script_secure, confirmed against keepalived 2.2.7):
// - the path is resolved (realpath) and the resolved path is what gets checked and run; when the
//   script was named through a link with a different file name, keepalived runs that name in the
//   resolved directory, so that link is checked too;
// - every component, from / down, is judged by the rules of src/cluster/file-trust.ts, with root
//   the only trusted owner (keepalived runs these scripts as root whoever installed them);
// - the file must be executable (by root: any execute bit).
// aws-ha itself runs hooks by the name given, not the resolved one, and judges them with
// walkPath (src/cluster/description-trust.ts): the same rules, along the path the kernel follows.

const { S_IXUSR, S_IXGRP, S_IXOTH } = constants;

/** One readable problem per rule the script breaks; empty when keepalived will run it. */
export async function scriptSecurityProblems(path: string): Promise<string[]> {
  if (!isAbsolute(path)) return [`${path} is not an absolute path; keepalived searches PATH for it and warns, so name it in full`];
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    return [`${path} cannot be reached (${(e as NodeJS.ErrnoException).code ?? "error"}); keepalived disables it`];
  }
  const file = await stat(real);
  const problems: string[] = [];
  if (!file.isFile()) return [`${real} is not a regular file`];
  if (!(file.mode & (S_IXUSR | S_IXGRP | S_IXOTH))) problems.push(`${real} is not executable; chmod 0755 ${real}`);

  const checked = [real];
  const asNamed = join(dirname(real), basename(path));
  if (asNamed !== real && (await sameFile(asNamed, file))) checked.unshift(asNamed);
  const seen = new Set<string>();
  for (const target of checked)
    for (const component of componentsOf(target)) {
      if (seen.has(component)) continue;
      seen.add(component);
      problems.push(...(await componentProblems(component, component === target)));
    }
  return problems;
}

/** `/usr/local/bin/x` → `/`, `/usr`, `/usr/local`, `/usr/local/bin`, `/usr/local/bin/x`. */
function componentsOf(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  return ["/", ...parts.map((_, i) => `/${parts.slice(0, i + 1).join("/")}`)];
}

async function componentProblems(path: string, isLast: boolean): Promise<string[]> {
  // Links are not followed here: keepalived looks at each component itself.
  const entry = await lstat(path).catch(() => undefined);
  if (!entry) return [`${path} cannot be reached`];
  if (!isLast && !entry.isDirectory()) return [`${path} is not a directory`];
  if (isLast && !entry.isFile() && !entry.isSymbolicLink()) return [`${path} is not a regular file or a symbolic link`];
  return entryProblems(path, entry).map((p) => `${describeProblem(p)}; ${fixFor(p)}`);
}

async function sameFile(path: string, file: Stats): Promise<boolean> {
  const other = await stat(path).catch(() => undefined);
  return other !== undefined && other.dev === file.dev && other.ino === file.ino;
}
