import { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openRunDir } from "../../src/transition/run-dir";

// paths.runDir decides which event wins and who holds the lock: only its owner may write there.

const parent = () => mkdtempSync(join(tmpdir(), "aws-ha-rundir-"));
const asRoot = process.getuid?.() === 0;

describe("the run directory", () => {
  it("is created 0700 when missing, as the last component only", async () => {
    const dir = join(parent(), "aws-ha");
    await openRunDir(dir);
    expect(statSync(dir).mode & 0o7777).toBe(0o700);
    expect(statSync(dir).uid).toBe(process.getuid!());
  });

  it("whose parent is missing is a configuration error naming it, and nothing is created", async () => {
    const dir = join(parent(), "missing", "aws-ha");
    await expect(openRunDir(dir)).rejects.toMatchObject({
      kind: "config",
      message: expect.stringContaining(`paths.runDir ${dir}: its parent directory does not exist`),
    });
  });

  it("below /proc is refused at once (no recursive mkdir there)", async () => {
    await expect(openRunDir("/proc/aws-ha-run")).rejects.toMatchObject({ kind: "config" });
  });

  it("made earlier 0755 by this user is used as it is", async () => {
    const dir = join(parent(), "aws-ha");
    mkdirSync(dir, { mode: 0o755 });
    await expect(openRunDir(dir)).resolves.toBe(dir);
  });

  it.each([
    [0o777, "others"],
    [0o770, "its group"],
    [0o1777, "others"],
  ])("writable by group or others (mode %o) is refused with the fix", async (mode, who) => {
    const dir = join(parent(), "aws-ha");
    mkdirSync(dir);
    chmodSync(dir, mode);
    await expect(openRunDir(dir)).rejects.toMatchObject({
      kind: "config",
      message: expect.stringContaining(`paths.runDir ${dir} is writable by ${who}`),
      details: { fix: expect.stringMatching(new RegExp(`^rm -rf ${dir} .*chmod 0700 ${dir}$`)) },
    });
  });

  it.runIf(asRoot)("owned by another user (made first in a sticky /tmp) is refused: chown root:root, chmod 0700", async () => {
    const dir = join(parent(), "aws-ha");
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 65534, 65534);
    await expect(openRunDir(dir)).rejects.toMatchObject({
      kind: "config",
      message: expect.stringContaining(`paths.runDir ${dir} belongs to uid 65534, not to root`),
      details: { fix: `rm -rf ${dir} (aws-ha creates it again, 0700), or make it safe: chown root:root ${dir}; chmod 0700 ${dir}` },
    });
  });

  it.runIf(asRoot)("a symlink that another user planted is refused, even to a safe directory", async () => {
    const base = parent();
    const target = join(base, "safe");
    mkdirSync(target, { mode: 0o700 });
    const dir = join(base, "aws-ha");
    symlinkSync(target, dir);
    // The link itself is the other user's.
    lchownSync(dir, 65534, 65534);
    await expect(openRunDir(dir)).rejects.toMatchObject({ kind: "config", message: expect.stringContaining("belongs to uid 65534") });
  });

  it("a file in its place is refused", async () => {
    const dir = join(parent(), "aws-ha");
    writeFileSync(dir, "");
    await expect(openRunDir(dir)).rejects.toMatchObject({ kind: "config", message: expect.stringContaining("is not a directory") });
  });
});
