import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AwsHaError } from "../../src/errors";
import { checkMountPoint, fileSystemView, normalisedMountPoint, type PathEntry, type PathView } from "../../src/host/mount-point-safety";

// Root mounts the volume wherever the mount point's path leads. These scenarios are the ways a user
// other than root could steer that path, first on a machine described in memory, then on real
// directories in a temp dir.

const rootDir: PathEntry = { kind: "directory", uid: 0, mode: 0o755 };

/** A machine where every directory is root's, mode 0755, except what `entries` says; `links` map a link to its target. */
function machine(entries: Record<string, PathEntry | undefined> = {}, links: Record<string, string> = {}): PathView {
  return {
    async entry(path) {
      if (path in links) return { kind: "symlink", uid: 0, mode: 0o777 };
      return path in entries ? entries[path] : rootDir;
    },
    async resolved(path) {
      for (const [link, target] of Object.entries(links))
        if (path === link || path.startsWith(`${link}/`)) return target + path.slice(link.length);
      return path;
    },
  };
}

async function refusal(promise: Promise<unknown>): Promise<AwsHaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsHaError);
  expect((error as AwsHaError).kind).toBe("host");
  return error as AwsHaError;
}

const asRoot = { ownerUid: 0, mounted: false };

describe("a mount point on a node", () => {
  it("is accepted when every directory on the way is root's and only root may write it", async () => {
    expect(await checkMountPoint("/srv/data", { view: machine(), ...asRoot })).toBe("/srv/data");
  });

  it("is normalised as the kernel lists it: no trailing slash, doubled slash, `.` or `..`", async () => {
    expect(normalisedMountPoint("/srv//data/./")).toBe("/srv/data");
    expect(await checkMountPoint("/srv/x/../data/", { view: machine(), ...asRoot })).toBe("/srv/data");
  });

  it("may not exist yet: mount creates the missing directories as root's", async () => {
    expect(await checkMountPoint("/srv/data/pg", { view: machine({ "/srv/data": undefined }), ...asRoot })).toBe("/srv/data/pg");
  });

  it("is refused when a parent belongs to another user, and the fix is the chown", async () => {
    const error = await refusal(
      checkMountPoint("/srv/data", { view: machine({ "/srv": { kind: "directory", uid: 1000, mode: 0o755 } }), ...asRoot }),
    );
    expect(error.message).toBe(
      "refusing mount point /srv/data: /srv is owned by uid 1000, not root (whoever can change a directory on the way can make root mount or unmount elsewhere)",
    );
    expect(error.details.fix).toBe("chown root:root /srv");
  });

  it("is refused when the mount point itself belongs to another user or group-writable, with one line fixing both", async () => {
    const error = await refusal(
      checkMountPoint("/srv/data", {
        view: machine({ "/srv": { kind: "directory", uid: 0, mode: 0o775 }, "/srv/data": { kind: "directory", uid: 1000, mode: 0o755 } }),
        ...asRoot,
      }),
    );
    expect(error.message).toContain("/srv is writable by group; /srv/data is owned by uid 1000, not root");
    expect(error.details.fix).toBe("chown root:root /srv/data; chmod go-w /srv");
  });

  it("is refused below a sticky directory everyone may write (/tmp): the fix is another place, not a chmod of /tmp", async () => {
    const error = await refusal(
      checkMountPoint("/tmp/data", { view: machine({ "/tmp": { kind: "directory", uid: 0, mode: 0o1777 } }), ...asRoot }),
    );
    expect(error.message).toContain("/tmp is writable by group and others (sticky, like /tmp)");
    expect(error.details.fix).toBe("choose a mountPoint outside /tmp");
  });

  it("is refused when the mount point is a link, naming where it leads", async () => {
    const error = await refusal(checkMountPoint("/srv/data", { view: machine({}, { "/srv/data": "/etc" }), ...asRoot }));
    expect(error.message).toContain("/srv/data is a symbolic link (to /etc), and mount points are not followed through links");
    expect(error.details.fix).toBe(
      "replace the link with a directory of root's (rm /srv/data; mkdir -m 0755 /srv/data), or set mountPoint to a path without links",
    );
  });

  it("is refused when a parent is a link, even one root made", async () => {
    const error = await refusal(checkMountPoint("/data/pg", { view: machine({}, { "/data": "/mnt/data" }), ...asRoot }));
    expect(error.message).toContain("/data is a symbolic link (to /mnt/data)");
  });

  it("is refused when something on the way is not a directory", async () => {
    const error = await refusal(
      checkMountPoint("/srv/data", { view: machine({ "/srv": { kind: "other", uid: 0, mode: 0o644 } }), ...asRoot }),
    );
    expect(error.message).toContain("/srv is not a directory");
  });

  it("is refused when the whole path resolves elsewhere than its directories one by one said (a link swapped in meanwhile)", async () => {
    const view = machine();
    const racing: PathView = { entry: view.entry, resolved: async () => "/etc" };
    const error = await refusal(checkMountPoint("/srv/data", { view: racing, ...asRoot }));
    expect(error.message).toContain("/srv/data leads to /etc");
  });

  it("with a file system mounted on it, the mount point shows that file system's root, which may be the service's own", async () => {
    const view = machine({ "/srv/data": { kind: "directory", uid: 999, mode: 0o700 } });
    expect(await checkMountPoint("/srv/data", { view, ownerUid: 0, mounted: true })).toBe("/srv/data");
    await refusal(checkMountPoint("/srv/data", { view, ownerUid: 0, mounted: false }));
  });

  it("with a file system mounted on it, its parents are still held to the rules", async () => {
    const view = machine({ "/srv": { kind: "directory", uid: 1000, mode: 0o755 } });
    const error = await refusal(checkMountPoint("/srv/data", { view, ownerUid: 0, mounted: true }));
    expect(error.details.fix).toBe("chown root:root /srv");
  });
});

// Real directories: the temp dir stands for /, and the expected owner is whoever runs the test, so
// the scenarios hold as root (CI) and as a developer.
describe("a mount point on real directories (temp dir as /)", () => {
  const me = process.getuid!();
  let root: string;
  let view: PathView;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "awsha-mountpoint-"));
    chmodSync(root, 0o755);
    for (const dir of ["srv", "srv/data", "etc"]) {
      mkdirSync(join(root, dir));
      // An explicit mode: the test's umask must not decide the outcome.
      chmodSync(join(root, dir), 0o755);
    }
    view = fileSystemView(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("is accepted while the directories are the owner's and only the owner may write them", async () => {
    expect(await checkMountPoint("/srv/data", { view, ownerUid: me, mounted: false })).toBe("/srv/data");
  });

  it("the mount point swapped for a link to another directory is refused", async () => {
    renameSync(join(root, "srv", "data"), join(root, "srv", "old"));
    symlinkSync(join(root, "etc"), join(root, "srv", "data"));
    const error = await refusal(checkMountPoint("/srv/data", { view, ownerUid: me, mounted: false }));
    expect(error.message).toContain("/srv/data is a symbolic link (to /etc)");
  });

  it("a parent swapped for a relative link is refused too", async () => {
    renameSync(join(root, "srv"), join(root, "srv.old"));
    mkdirSync(join(root, "elsewhere", "data"), { recursive: true });
    symlinkSync("elsewhere", join(root, "srv"));
    const error = await refusal(checkMountPoint("/srv/data", { view, ownerUid: me, mounted: false }));
    expect(error.message).toContain("/srv is a symbolic link (to /elsewhere)");
  });

  it("a dangling link is refused as well", async () => {
    rmSync(join(root, "srv", "data"), { recursive: true });
    symlinkSync(join(root, "nowhere"), join(root, "srv", "data"));
    const error = await refusal(checkMountPoint("/srv/data", { view, ownerUid: me, mounted: false }));
    expect(error.message).toContain("/srv/data is a symbolic link (dangling)");
  });

  it("a directory that group or others may write is refused", async () => {
    chmodSync(join(root, "srv"), 0o777);
    const error = await refusal(checkMountPoint("/srv/data", { view, ownerUid: me, mounted: false }));
    expect(error.details.fix).toBe("chmod go-w /srv");
  });

  it("directories that are not the expected owner's are refused (a foreign owner simulated by expecting another uid)", async () => {
    const error = await refusal(checkMountPoint("/srv/data", { view, ownerUid: me + 1, mounted: false }));
    expect(error.message).toContain(`/srv is owned by uid ${me}, not uid ${me + 1}`);
    expect(error.details.fix).toBe(`chown ${me + 1} / /srv /srv/data`);
  });
});
