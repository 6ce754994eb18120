import { mkdirSync, rmdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

// Node's mkdir({ recursive: true }) never returns below /proc: the kernel answers ENOENT for a
// parent that exists, and Node keeps creating that parent again (100 % CPU, for ever). This makes
// one missing component at a time, without recursion, and stops at the first that fails.
//
// Kept free of the project's other modules: the code-cache bootstrap bundles it, and must stay small.

/** Far deeper than any directory the tools make (output, cache, run directories). */
const maxComponents = 64;

/** A directory that could not be made: `path` is the component that failed, `code` its errno name. */
export class MakeDirectoryError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "MakeDirectoryError";
  }
}

/**
 * Makes `target` and each missing parent with `mode` (less the umask), and returns those it made,
 * topmost first. A directory that is there already, or a symbolic link to one, is fine. On failure
 * nothing it made is left behind.
 */
export function makeDirectory(target: string, mode: number): string[] {
  const path = resolve(target);
  const chain: string[] = [];
  for (let dir = path; dir !== dirname(dir); dir = dirname(dir)) {
    if (chain.length === maxComponents)
      throw new MakeDirectoryError(`cannot create ${path}: more than ${maxComponents} components`, "ENAMETOOLONG", path);
    chain.unshift(dir);
  }
  const made: string[] = [];
  try {
    for (const dir of chain) {
      if (isDirectory(dir, path)) continue;
      try {
        mkdirSync(dir, { mode });
        made.push(dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? "EIO";
        // Made by someone else meanwhile: fine if it is a directory.
        if (code === "EEXIST" && isDirectory(dir, path)) continue;
        throw new MakeDirectoryError(`cannot create ${path}: mkdir ${dir} failed (${code})`, code, dir);
      }
    }
  } catch (e) {
    // All or nothing: the parents made for a directory that could not be made go again.
    for (const dir of made.reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // something was put there meanwhile: it stays
      }
    }
    throw e;
  }
  return made;
}

/** Whether `dir` is a directory (following links); false when it is missing; an error when it is something else. */
function isDirectory(dir: string, target: string): boolean {
  let stats;
  try {
    stats = statSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "EIO";
    throw new MakeDirectoryError(`cannot create ${target}: cannot look at ${dir} (${code})`, code, dir);
  }
  if (stats === undefined) return false;
  if (!stats.isDirectory()) throw new MakeDirectoryError(`cannot create ${target}: ${dir} is not a directory`, "ENOTDIR", dir);
  return true;
}
