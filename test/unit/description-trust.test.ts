import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { exitCodeFor } from "../../src/exit-codes";
import { refuseUntrustedDescription } from "../../src/cluster/description-trust";
import { loadClusterDescription } from "../../src/cluster/load";
import { AwsHaError } from "../../src/errors";

// aws-ha-notify runs the hooks, init scripts and health check a description names as root, so a
// node acts on a description only when nobody but root — or the user running aws-ha, who gains
// nothing by fooling themselves — could have changed it, what it names, or any directory on the
// way. Real files in a temp dir, with real modes; the trusted user is whoever runs the test, so
// these scenarios hold as root and as anyone else.

const me = process.getuid!();
const asRoot = me === 0;
const someUser = 1000;
const someGroup = 1000;
/** Who may write a 0666 file or 0777 directory this process creates: its group too, unless that is root's. */
const everyone = process.getgid!() === 0 ? "others" : `group ${process.getgid!()} and others`;

let base: string;

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "aws-ha-trust-")));
  chmodSync(base, 0o755);
});

afterEach(() => rmSync(base, { recursive: true, force: true }));

function dir(name: string, mode = 0o755): string {
  const path = join(base, name);
  mkdirSync(path, { recursive: true });
  chmodSync(path, mode);
  return path;
}

function executable(path: string, mode = 0o755): string {
  writeFileSync(path, "#!/bin/sh\nexit 0\n");
  chmodSync(path, mode);
  return path;
}

function description(path: string, extra: { resources?: unknown[]; healthCheck?: string } = {}, mode = 0o644): string {
  writeFileSync(
    path,
    stringify({
      cluster: "web",
      nodes: [
        { name: "lb-a", address: "10.0.1.10", instanceId: "i-0a1b2c3d4e5f60001", priority: 150 },
        { name: "lb-b", address: "10.0.1.11", instanceId: "i-0a1b2c3d4e5f60002", priority: 100 },
      ],
      resources: [{ kind: "vip", name: "web-vip", address: "10.0.1.100" }, ...(extra.resources ?? [])],
      keepalived: { virtualRouterId: 51, ...(extra.healthCheck ? { healthCheck: { command: [extra.healthCheck, "-q"] } } : {}) },
    }),
  );
  chmodSync(path, mode);
  return path;
}

/** The one line aws-ha-notify prints when it refuses; fails the test when the description is accepted. */
async function refusal(path: string, trustedUid = me): Promise<string> {
  try {
    await loadClusterDescription(path, { trustedUid });
  } catch (e) {
    expect(e).toBeInstanceOf(AwsHaError);
    expect(exitCodeFor(e)).toBe(6);
    const line = (e as AwsHaError).describe();
    expect(line).not.toContain("\n");
    return line;
  }
  throw new Error(`${path} was accepted`);
}

describe("a node acts only on a description nobody else could have changed", () => {
  it("loads a description the running user owns, mode 0644, in directories only it can write", async () => {
    const path = description(join(dir("etc"), "cluster.yaml"));

    expect((await loadClusterDescription(path)).cluster).toBe("web");
    expect((await loadClusterDescription(path, { trustedUid: me })).cluster).toBe("web");
  });

  it("refuses a world-writable description with exit 6, naming the file and the fix", async () => {
    const path = description(join(dir("etc"), "cluster.yaml"), {}, 0o666);

    expect(await refusal(path)).toBe(
      `the cluster description ${path} decides what aws-ha runs as root, but file ${path} is writable by ${everyone} (mode 0666); chmod 0644 ${path}`,
    );
  });

  it("refuses a description owned by another user, even with a safe mode", async () => {
    const path = description(join(dir("etc"), "cluster.yaml"));
    // Not root, this process cannot give the file away: it trusts someone else instead.
    const other = asRoot ? someUser : me + 1;
    if (asRoot) chownSync(path, someUser, someGroup);

    const line = await refusal(path, asRoot ? 0 : other);

    const owner = asRoot ? someUser : me;
    const notTrusted = asRoot ? "not root" : `not root or uid ${other}`;
    expect(line).toContain(`file ${path} is owned by uid ${owner}, ${notTrusted}`);
    expect(line).toMatch(new RegExp(`; (.*; )?chown root:root ${path}$`));
  });

  it("refuses a world-writable description owned by another user with both fixes", async () => {
    const path = description(join(dir("etc"), "cluster.yaml"), {}, 0o666);
    const trusted = asRoot ? 0 : me + 1;
    if (asRoot) chownSync(path, someUser, someGroup);

    expect(await refusal(path, trusted)).toMatch(new RegExp(`; (.*; )?chown root:root ${path}; chmod 0644 ${path}$`));
  });

  it("refuses a description in a directory that others can write, naming the directory", async () => {
    const open = dir("open", 0o777);
    const path = description(join(open, "cluster.yaml"));

    expect(await refusal(path)).toBe(
      `the cluster description ${path} decides what aws-ha runs as root, but directory ${open} is writable by ${everyone} (mode 0777); chmod go-w ${open}`,
    );
  });

  // Without root a process cannot give a directory to another group; a user whose own group is
  // root's has no group to show this with (keepalived trusts group root).
  const otherGroup = asRoot ? someGroup : process.getgid!();
  it.skipIf(otherGroup === 0)("refuses a directory on the way that a group other than root can write", async () => {
    const shared = dir("shared", 0o775);
    if (asRoot) chownSync(shared, 0, someGroup);
    const path = description(join(shared, "cluster.yaml"));

    expect(await refusal(path)).toBe(
      `the cluster description ${path} decides what aws-ha runs as root, but directory ${shared} is writable by group ${otherGroup} (mode 0775); chmod go-w ${shared}`,
    );
  });

  it("accepts a world-writable directory with the sticky bit, as keepalived does for /tmp", async () => {
    const sticky = dir("sticky", 0o1777);
    const path = description(join(sticky, "cluster.yaml"));

    expect((await loadClusterDescription(path, { trustedUid: me })).cluster).toBe("web");
  });

  it("follows a link the way the kernel does, and judges every directory on the way to its target", async () => {
    const open = dir("open", 0o777);
    const real = description(join(open, "cluster.yaml"));
    const etc = dir("etc");
    symlinkSync("../open/cluster.yaml", join(etc, "cluster.yaml"));

    expect(await refusal(join(etc, "cluster.yaml"))).toContain(`directory ${open} is writable by ${everyone} (mode 0777)`);
    expect(await refusal(real)).toContain(`directory ${open} is writable by ${everyone} (mode 0777)`);
  });

  it("refuses a link to a safe description when the link sits where others can write", async () => {
    const etc = dir("etc");
    const real = description(join(etc, "cluster.yaml"));
    const open = dir("open", 0o777);
    symlinkSync(real, join(open, "cluster.yaml"));

    expect(await refusal(join(open, "cluster.yaml"))).toContain(
      `directory ${open} is writable by ${everyone} (mode 0777); chmod go-w ${open}`,
    );
  });

  it("refuses a description whose hook others can rewrite, naming where the description names it", async () => {
    const hook = executable(join(dir("bin"), "promote"), 0o757);
    const path = description(join(dir("etc"), "cluster.yaml"), { resources: [{ kind: "hook", name: "promote", acquire: [hook, "now"] }] });

    expect(await refusal(path)).toBe(
      `the cluster description ${path} names commands that a user other than root could change: resources[1].acquire[0] ${hook} runs as root, but file ${hook} is writable by others (mode 0757); chmod 0755 ${hook}`,
    );
  });

  it("refuses a health check and an init script in a directory others can write, naming both", async () => {
    const open = dir("libexec", 0o777);
    const check = executable(join(open, "check"));
    const init = executable(join(open, "app"));
    const path = description(join(dir("etc"), "cluster.yaml"), {
      resources: [{ kind: "service", name: "app", initScript: init }],
      healthCheck: check,
    });

    const line = await refusal(path);

    expect(line).toContain(`resources[1].initScript ${init} runs as root, but directory ${open} is writable by ${everyone} (mode 0777)`);
    expect(line).toContain(
      `keepalived.healthCheck.command[0] ${check} runs as root, but directory ${open} is writable by ${everyone} (mode 0777)`,
    );
    expect(line.endsWith(`; chmod go-w ${open}`)).toBe(true);
  });

  it("leaves a hook that is not installed yet to the failover (nobody but root could create it there)", async () => {
    const path = description(join(dir("etc"), "cluster.yaml"), {
      resources: [{ kind: "hook", name: "promote", acquire: [join(dir("bin"), "not-yet")] }],
    });

    expect((await loadClusterDescription(path, { trustedUid: me })).resources).toHaveLength(2);
  });

  it("lets aws-ha-gen read an operator's world-writable copy: rendering runs nothing it names", async () => {
    const hook = executable(join(dir("open", 0o777), "promote"), 0o777);
    const path = description(
      join(base, "open", "cluster.yaml"),
      { resources: [{ kind: "hook", name: "promote", acquire: [hook] }] },
      0o666,
    );

    expect((await loadClusterDescription(path, { trustedUid: false })).resources).toHaveLength(2);
  });
});

describe("a description swapped between reading it and judging its path", () => {
  it("is refused when the path now leads to another file than the one read", async () => {
    const etc = dir("etc");
    const read = description(join(etc, "cluster.yaml"));
    const readStats = statSync(read);
    // A file put in its place after the open: same name, another inode (made first, then renamed
    // over, so the file system cannot hand the freed inode straight back).
    renameSync(description(join(etc, "planted.yaml")), read);
    expect(() => refuseUntrustedDescription(read, me, readStats)).toThrow(/changed while it was read/);
  });

  it("is refused when the path leads nowhere any more", async () => {
    const etc = dir("etc");
    const read = description(join(etc, "cluster.yaml"));
    const readStats = statSync(read);
    rmSync(read);
    expect(() => refuseUntrustedDescription(read, me, readStats)).toThrow(/changed while it was read/);
  });

  it("is accepted when the path still leads to the file read", async () => {
    const read = description(join(dir("etc"), "cluster.yaml"));
    expect(() => refuseUntrustedDescription(read, me, statSync(read))).not.toThrow();
  });
});
