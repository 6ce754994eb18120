import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeOctalEscapes, mountOf, mountPointsOf, parseMountInfo } from "../../src/host/mount-table";
import { makedev } from "../../src/host/mount-holders";

// What /proc/self/mountinfo says on a node that has its data volume mounted.
const mountInfo = [
  "22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
  "25 22 0:22 / /run rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,size=401412k,mode=755",
  String.raw`40 22 259:3 / /srv/my\040data rw,noatime shared:20 master:3 - ext4 /dev/nvme1n1 rw,errors=remount-ro`,
  String.raw`41 22 7:3 / /srv/tab\011and\134slash rw - xfs /dev/loop3 rw`,
  "42 22 7:4 / /srv/stacked rw - ext4 /dev/loop4 rw",
  "43 42 7:5 / /srv/stacked rw - ext4 /dev/loop5 rw",
  "",
].join("\n");

const dir = mkdtempSync(join(tmpdir(), "awsha-mounts-"));
const mountInfoFile = join(dir, "mountinfo");
writeFileSync(mountInfoFile, mountInfo);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("reading the mount table", () => {
  it("takes mount point, file system type and device from each line, past the optional fields", () => {
    const table = parseMountInfo(mountInfo);
    expect(table).toHaveLength(6);
    expect(table[0]).toEqual({ mountPoint: "/", fsType: "ext4", device: "/dev/vda1" });
    expect(table[2]).toEqual({ mountPoint: "/srv/my data", fsType: "ext4", device: "/dev/nvme1n1" });
  });

  it("decodes the kernel's octal escapes for space, tab and backslash", () => {
    expect(decodeOctalEscapes(String.raw`/srv/tab\011and\134slash`)).toBe("/srv/tab\tand\\slash");
    expect(parseMountInfo(mountInfo)[3]!.mountPoint).toBe("/srv/tab\tand\\slash");
  });

  it("finds what is mounted on a mount point whose name has a space", async () => {
    expect(await mountOf("/srv/my data", mountInfoFile)).toEqual({ mountPoint: "/srv/my data", fsType: "ext4", device: "/dev/nvme1n1" });
  });

  it("matches a mount point written with a trailing slash", async () => {
    expect((await mountOf("/srv/my data/", mountInfoFile))?.device).toBe("/dev/nvme1n1");
  });

  it("reports the top mount when two are stacked on one directory", async () => {
    expect((await mountOf("/srv/stacked", mountInfoFile))?.device).toBe("/dev/loop5");
  });

  it("reports nothing for a directory nothing is mounted on", async () => {
    expect(await mountOf("/srv/other", mountInfoFile)).toBeUndefined();
  });

  it("skips lines that are not mount entries", () => {
    expect(parseMountInfo("garbage\n\n1 2 3")).toEqual([]);
  });
});

describe("which mount is the volume's", () => {
  // udev's by-id link and the kernel's name are one disk; mount(8) may have been given either.
  const byId = join(dir, "by-id");
  mkdirSync(byId);
  const link = join(byId, "nvme-Amazon_Elastic_Block_Store_vol0a1b2c3d4e5f60001");
  symlinkSync("/dev/null", link);
  // A directory that leads to / through a link, as a user could make one.
  const toRoot = join(dir, "to-root");
  symlinkSync("/", toRoot);
  const volumeTable = join(dir, "mountinfo-volume");
  writeFileSync(
    volumeTable,
    [
      "22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
      `50 22 1:3 / /srv/data rw - ext4 ${link} rw`,
      "51 22 1:3 / /mnt/copy rw - ext4 /dev/null rw",
      "52 22 0:40 / /srv/scratch rw - tmpfs tmpfs rw",
      "",
    ].join("\n"),
  );

  it("reports the source with its links resolved, so it compares with the volume's block device", async () => {
    expect(await mountOf("/srv/data", volumeTable)).toEqual({ mountPoint: "/srv/data", fsType: "ext4", device: "/dev/null" });
  });

  it("keeps a source that is not a path as the kernel wrote it", async () => {
    expect((await mountOf("/srv/scratch", volumeTable))?.device).toBe("tmpfs");
  });

  it("lists every place a device is mounted, whichever name it was mounted by", async () => {
    expect(await mountPointsOf("/dev/null", volumeTable)).toEqual(["/srv/data", "/mnt/copy"]);
    expect(await mountPointsOf(link, volumeTable)).toEqual(["/srv/data", "/mnt/copy"]);
    expect(await mountPointsOf("/dev/nvme9n1", volumeTable)).toEqual([]);
  });

  it("does not follow links in the mount point: a path that leads to / through a link is not /", async () => {
    expect(await mountOf(toRoot, volumeTable)).toBeUndefined();
    expect((await mountOf("/", volumeTable))?.device).toBe("/dev/vda1");
  });
});

describe("device numbers in /proc/PID/maps", () => {
  it("encode major and minor the way stat reports them", () => {
    expect(makedev(7n, 3n)).toBe(0x703n);
    expect(makedev(259n, 1n)).toBe(0x10301n);
    // /dev/null is character device 1:3 on every Linux.
    expect(makedev(1n, 3n)).toBe(statSync("/dev/null", { bigint: true }).rdev);
  });
});
