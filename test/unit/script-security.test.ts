import { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scriptSecurityProblems } from "../../src/gen/script-security";

// Scripts laid out in a temp dir (under /tmp, which is root's and sticky) the way an operator might
// install them, judged by the rules keepalived's enable_script_security applies. Ownership cases
// need root to chown.

const asRoot = process.getuid?.() === 0;
const someUser = 1000;
const someGroup = 1000;

let base: string;

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "awsha-scripts-")));
  chmodSync(base, 0o755);
});

afterEach(() => rmSync(base, { recursive: true, force: true }));

function dir(name: string, mode = 0o755): string {
  const path = join(base, name);
  mkdirSync(path);
  chmodSync(path, mode);
  return path;
}

function script(path: string, mode = 0o755): string {
  writeFileSync(path, "#!/bin/sh\nexit 0\n");
  chmodSync(path, mode);
  return path;
}

describe("keepalived's script security", () => {
  it.skipIf(!asRoot)("accepts a root-owned script in root-owned directories nobody else can write", async () => {
    const notify = script(join(dir("bin"), "notify"));

    expect(await scriptSecurityProblems(notify)).toEqual([]);
  });

  it.skipIf(!asRoot)("rejects a directory on the path that a group other than root can write", async () => {
    const bin = dir("bin", 0o775);
    chownSync(bin, 0, someGroup);
    const notify = script(join(bin, "notify"));

    expect(await scriptSecurityProblems(notify)).toEqual([
      `directory ${bin} is writable by group ${someGroup} (mode 0775); chmod g-w ${bin}`,
    ]);
  });

  it.skipIf(!asRoot)("accepts group write when the group is root, as keepalived 2.2.7 does", async () => {
    const bin = dir("bin", 0o775);
    const notify = script(join(bin, "notify"), 0o775);

    expect(await scriptSecurityProblems(notify)).toEqual([]);
  });

  it("rejects a script anyone can rewrite", async () => {
    const notify = script(join(dir("bin"), "notify"), 0o757);

    expect(await scriptSecurityProblems(notify)).toContain(`file ${notify} is writable by others (mode 0757); chmod o-w ${notify}`);
  });

  it.skipIf(!asRoot)("accepts a world-writable directory with the sticky bit, and rejects one without", async () => {
    const sticky = script(join(dir("shared", 0o1777), "notify"));
    const open = dir("open", 0o777);
    const exposed = script(join(open, "notify"));

    expect(await scriptSecurityProblems(sticky)).toEqual([]);
    expect(await scriptSecurityProblems(exposed)).toEqual([`directory ${open} is writable by others (mode 0777); chmod o-w ${open}`]);
  });

  it.skipIf(!asRoot)("rejects a script owned by another user, even with a safe mode", async () => {
    const notify = script(join(dir("bin"), "notify"));
    chownSync(notify, someUser, someGroup);

    expect(await scriptSecurityProblems(notify)).toEqual([
      `file ${notify} is owned by uid ${someUser}, not root; chown root:root ${notify}`,
    ]);
  });

  it("rejects a script that is not executable", async () => {
    const notify = script(join(dir("bin"), "notify"), 0o644);

    expect(await scriptSecurityProblems(notify)).toContain(`${notify} is not executable; chmod 0755 ${notify}`);
  });

  it.skipIf(!asRoot)("checks the resolved path of a link, not the directory the link sits in", async () => {
    const lib = dir("lib");
    const real = script(join(lib, "notify"));
    const open = dir("open", 0o777);
    const link = join(open, "notify");
    symlinkSync(real, link);
    lchownSync(link, someUser, someGroup);

    // keepalived runs /…/lib/notify directly, so neither the open directory nor the link's owner matter.
    expect(await scriptSecurityProblems(link)).toEqual([]);

    const exposedDir = dir("exposed", 0o777);
    const exposed = script(join(exposedDir, "notify"));
    const safeLink = join(lib, "notify-exposed");
    symlinkSync(exposed, safeLink);
    expect(await scriptSecurityProblems(safeLink)).toEqual([
      `directory ${exposedDir} is writable by others (mode 0777); chmod o-w ${exposedDir}`,
    ]);
  });

  it.skipIf(!asRoot)("checks a link that renames the script, since keepalived runs that name beside the real file", async () => {
    const bin = dir("bin");
    script(join(bin, "aws-ha-notify"));
    const link = join(bin, "notify");
    symlinkSync("aws-ha-notify", link);
    lchownSync(link, someUser, someGroup);

    expect(await scriptSecurityProblems(link)).toEqual([`link ${link} is owned by uid ${someUser}, not root; chown -h root:root ${link}`]);
  });

  it("names a missing script and a relative one", async () => {
    expect(await scriptSecurityProblems(join(base, "absent"))).toEqual([
      `${join(base, "absent")} cannot be reached (ENOENT); keepalived disables it`,
    ]);
    expect(await scriptSecurityProblems("aws-ha-notify")).toEqual([
      "aws-ha-notify is not an absolute path; keepalived searches PATH for it and warns, so name it in full",
    ]);
  });
});
