import { lstatSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync, type Stats } from "node:fs";

// Files in the run directory come and go under other processes' hands: a ticket retired by a newer
// event, a lock released between a look and a read. For those reads and removals "gone" is an answer,
// not an error. Synchronous, as every call on /run is a few microseconds.

/** Removes a file; one that is gone already (or cannot be removed) is left to whoever has it. */
export function unlinkIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already, or someone else's to remove
  }
}

/** Removes an empty directory; one that is gone or not empty stays as it is. */
export function rmdirIfEmpty(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // gone, or refilled by a newer owner
  }
}

/** The names in a directory; none when it is gone or unreadable. */
export function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A file's text; "" when it is gone or unreadable. */
export function textOf(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** lstat(2) of a path; undefined when nothing (this user may see) is there. */
export function lstatIfThere(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** stat(2), following links; undefined when it leads nowhere (this user may see). */
export function statIfThere(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
