import { constants, type Stats } from "node:fs";
import { lstat, realpath, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join } from "node:path";

// keepalived with enable_script_security silently disables a script run as root when anything on
// its path could be changed by someone else, and `keepalived -t` does not say so. These are its
// rules (lib/notify.c check_script_secure, confirmed against keepalived 2.2.7):
// - the path is resolved (realpath) and the resolved path is what gets checked and run; when the
//   script was named through a link with a different file name, keepalived runs that name in the
//   resolved directory, so that link is checked too;
// - every component, from / down, must be owned by root; a directory must not be writable by
//   others, nor by a group other than root, unless it has the sticky bit (like /tmp); the file
//   itself must not be writable by others, nor by a group other than root;
// - the file must be executable (by root: any execute bit).

const { S_IWGRP, S_IWOTH, S_IXUSR, S_IXGRP, S_IXOTH } = constants;
/** The sticky bit; node's fs.constants does not name it. */
const S_ISVTX = 0o1000;

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

  const problems: string[] = [];
  const kind = entry.isDirectory() ? "directory" : entry.isSymbolicLink() ? "link" : "file";
  if (entry.uid !== 0)
    problems.push(`${kind} ${path} is owned by uid ${entry.uid}, not root; chown ${entry.isSymbolicLink() ? "-h " : ""}root ${path}`);
  // A sticky directory only lets owners remove or rename their own entries; a link's mode means nothing.
  const modeMatters = entry.isFile() || (entry.isDirectory() && !(entry.mode & S_ISVTX));
  if (modeMatters) {
    const mode = octal(entry.mode);
    if (entry.mode & S_IWOTH) problems.push(`${kind} ${path} is writable by others (mode ${mode}); chmod o-w ${path}`);
    if (entry.mode & S_IWGRP && entry.gid !== 0)
      problems.push(`${kind} ${path} is writable by group ${entry.gid} (mode ${mode}); chmod g-w ${path}`);
  }
  return problems;
}

async function sameFile(path: string, file: Stats): Promise<boolean> {
  const other = await stat(path).catch(() => undefined);
  return other !== undefined && other.dev === file.dev && other.ino === file.ino;
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}
