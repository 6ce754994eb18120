import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeOctalEscapes, mountOf, parseMountInfo } from "../../src/host/mount-table";
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

describe("device numbers in /proc/PID/maps", () => {
  it("encode major and minor the way stat reports them", () => {
    expect(makedev(7n, 3n)).toBe(0x703n);
    expect(makedev(259n, 1n)).toBe(0x10301n);
    // /dev/null is character device 1:3 on every Linux.
    expect(makedev(1n, 3n)).toBe(statSync("/dev/null", { bigint: true }).rdev);
  });
});
