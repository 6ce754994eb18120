import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { byIdLinkName, findBlockDevice, xenNamesOf, type DeviceRoots } from "../../src/host/block-device";

// A machine in a temp dir: /dev with device nodes (plain files stand in), udev's by-id links and
// the kernel's /sys/block.

const volume = "vol-0a1b2c3d4e5f60001";

let root: string;
let dev: string;
let byId: string;
let roots: DeviceRoots;

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "awsha-blockdev-")));
  dev = join(root, "dev");
  byId = join(dev, "disk", "by-id");
  roots = { sysBlockDir: join(root, "sys", "block"), devDir: dev };
  mkdirSync(byId, { recursive: true });
  mkdirSync(roots.sysBlockDir, { recursive: true });
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

function deviceNode(name: string): string {
  writeFileSync(join(dev, name), "");
  return join(dev, name);
}

/** A Nitro NVMe namespace as the kernel lists it, with EC2's serial (padded, as NVMe serials are). */
function nvmeInSysfs(name: string, serial: string): void {
  const dir = join(roots.sysBlockDir, name, "device");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "serial"), `${serial.padEnd(20)}\n`);
}

describe("finding the block device of an attached EBS volume", () => {
  it("follows udev's by-id link named after the NVMe serial, the volume id without its dash", async () => {
    const nvme = deviceNode("nvme2n1");
    symlinkSync("../../nvme2n1", join(byId, "nvme-Amazon_Elastic_Block_Store_vol0a1b2c3d4e5f60001"));

    expect(await findBlockDevice(volume, "/dev/sdf", byId, roots)).toBe(nvme);
  });

  it("asks sysfs for the serial when udev has made no link, whatever number the kernel gave the device", async () => {
    deviceNode("nvme0n1");
    deviceNode("nvme1n1");
    const ours = deviceNode("nvme3n1");
    nvmeInSysfs("nvme0n1", "vol0ffffffffffffffff");
    nvmeInSysfs("nvme1n1", "vol0eeeeeeeeeeeeeeee");
    nvmeInSysfs("nvme3n1", "vol0a1b2c3d4e5f60001");

    expect(await findBlockDevice(volume, "/dev/sdf", byId, roots)).toBe(ours);
  });

  it("falls back to the Xen name of the attach device, and to its xvd form", async () => {
    const xvdf = deviceNode("xvdf");

    expect(await findBlockDevice(volume, join(dev, "sdf"), byId, roots)).toBe(xvdf);

    const sdg = deviceNode("sdg");
    expect(await findBlockDevice("vol-0a1b2c3d4e5f60002", join(dev, "sdg"), byId, roots)).toBe(sdg);
  });

  it("is not visible while nothing names the volume: other volumes' devices are never taken by number", async () => {
    deviceNode("nvme0n1");
    deviceNode("nvme1n1");
    nvmeInSysfs("nvme0n1", "vol0ffffffffffffffff");
    nvmeInSysfs("nvme1n1", "vol0eeeeeeeeeeeeeeee");
    symlinkSync(join(dev, "nvme1n1"), join(byId, byIdLinkName("vol-0eeeeeeeeeeeeeeee")));

    expect(await findBlockDevice(volume, join(dev, "sdf"), byId, roots)).toBeUndefined();
  });

  it("ignores a by-id link whose device has gone (udev removes it a moment after the detach)", async () => {
    symlinkSync(join(dev, "nvme4n1"), join(byId, byIdLinkName(volume)));

    expect(await findBlockDevice(volume, join(dev, "sdf"), byId, roots)).toBeUndefined();
  });

  it("finds nothing when the by-id directory and sysfs do not exist", async () => {
    rmSync(join(root, "sys"), { recursive: true });

    expect(await findBlockDevice(volume, join(dev, "sdf"), join(root, "no-such-dir"), roots)).toBeUndefined();
  });

  it("names both Xen forms of an attach device", () => {
    expect(xenNamesOf("/dev/sdf")).toEqual(["/dev/sdf", "/dev/xvdf"]);
    expect(xenNamesOf("/dev/xvdp")).toEqual(["/dev/xvdp", "/dev/sdp"]);
    expect(xenNamesOf("/dev/nvme1n1")).toEqual(["/dev/nvme1n1"]);
  });
});
