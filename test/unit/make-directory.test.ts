import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeDirectory } from "../../src/host/make-directory";

// Creating a directory and its missing parents, one component at a time, so a file system that
// answers strangely (/proc says ENOENT for a parent that exists) ends in an error, not a loop.

let root = "";
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "aws-ha-mkdir-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function failureOf(action: () => unknown): NodeJS.ErrnoException {
  try {
    action();
  } catch (e) {
    return e as NodeJS.ErrnoException;
  }
  throw new Error("no error");
}

describe("making a directory and its missing parents", () => {
  it("makes each missing one with the mode asked for and names them, topmost first", () => {
    const made = makeDirectory(join(root, "a", "b", "c"), 0o700);
    expect(made).toEqual([join(root, "a"), join(root, "a", "b"), join(root, "a", "b", "c")]);
    for (const dir of made) expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("makes nothing when the directory is there, also through a symbolic link", () => {
    mkdirSync(join(root, "real"));
    symlinkSync(join(root, "real"), join(root, "link"));
    expect(makeDirectory(root, 0o755)).toEqual([]);
    expect(makeDirectory(join(root, "link"), 0o755)).toEqual([]);
    expect(makeDirectory(join(root, "link", "inside"), 0o755)).toEqual([join(root, "link", "inside")]);
    expect(existsSync(join(root, "real", "inside"))).toBe(true);
  });

  it("leaves nothing behind when a deeper one cannot be made", () => {
    // A name longer than any file system takes: its parents are made before it fails.
    const error = failureOf(() => makeDirectory(join(root, "new", "deeper", "n".repeat(300)), 0o755));
    expect(error.code).toBe("ENAMETOOLONG");
    expect(existsSync(join(root, "new"))).toBe(false);
  });

  it("stops at a file in the way, naming it", () => {
    writeFileSync(join(root, "file"), "");
    const error = failureOf(() => makeDirectory(join(root, "file", "below"), 0o755));
    expect(error).toMatchObject({ code: "ENOTDIR", path: join(root, "file") });
    expect(error.message).toBe(`cannot create ${join(root, "file", "below")}: ${join(root, "file")} is not a directory`);
  });

  it("stops at once below /proc, where Node's recursive mkdir spins for ever", () => {
    const started = performance.now();
    const error = failureOf(() => makeDirectory("/proc/aws-ha-nonexistent/y", 0o700));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({ code: "ENOENT", path: "/proc/aws-ha-nonexistent" });
    expect(error.message).toBe("cannot create /proc/aws-ha-nonexistent/y: mkdir /proc/aws-ha-nonexistent failed (ENOENT)");
  });

  it("refuses a path deeper than any directory it has reason to make", () => {
    const deep = join(root, ...Array.from({ length: 200 }, () => "d"));
    const error = failureOf(() => makeDirectory(deep, 0o755));
    expect(error.code).toBe("ENAMETOOLONG");
    expect(error.message).toContain("more than 64 components");
    expect(existsSync(join(root, "d"))).toBe(false);
  });
});
