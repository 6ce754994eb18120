import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AwsHaError } from "../../src/errors";
import type { Host } from "../../src/host/host-port";
import { LinuxHost } from "../../src/host/linux-host";
import { isRunning } from "../../src/host/mount-holders";
import { rootOnlyTempDir } from "./support/mount-point-dir";

// The real adapter on this machine. Loop devices stand in for EBS volumes and a network namespace
// of the test's own for the node's interface; both need root, so those scenarios are skipped
// otherwise. Everything created here is removed by what was created: the loop device by its
// path, the namespace by its name, processes by their PID.

const asRoot = process.getuid?.() === 0;
if (!asRoot) console.warn("linux-host: not root; skipping the loop-device, mount and network-namespace scenarios");

const host: Host = new LinuxHost();
const run = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 60_000 });

async function rejection(promise: Promise<unknown>): Promise<AwsHaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsHaError);
  return error as AwsHaError;
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(signal ?? code)));
}

describe("running a command", () => {
  it("passes argv untouched, without a shell, and returns exit code and output", async () => {
    expect(await host.run(["echo", "$HOME; rm -rf /"], 5_000)).toEqual({ exitCode: 0, stdout: "$HOME; rm -rf /\n", stderr: "" });
    expect(await host.run(["sh", "-c", "echo out; echo err >&2; exit 7"], 5_000)).toEqual({
      exitCode: 7,
      stdout: "out\n",
      stderr: "err\n",
    });
  });

  it("kills the command and everything it started when the time is up", async () => {
    const dir = mkdtempSync(join(tmpdir(), "awsha-run-"));
    try {
      const pidFile = join(dir, "pid");
      const started = Date.now();
      const error = await rejection(host.run(["sh", "-c", `sleep 30 & echo $! > ${pidFile}; wait`], 300));
      expect(error.kind).toBe("timeout");
      expect(error.message).toMatch(/did not finish within 300 ms and was killed/);
      expect(Date.now() - started).toBeLessThan(2_000);
      const grandchild = Number(readFileSync(pidFile, "utf8"));
      await expect.poll(() => isRunning(grandchild), { timeout: 2_000 }).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("returns when the command exits even if a daemon it started keeps the output open", async () => {
    const started = Date.now();
    const result = await host.run(["sh", "-c", "sleep 30 & echo $!"], 10_000);
    const daemon = Number(result.stdout.trim());
    try {
      expect(result.exitCode).toBe(0);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await isRunning(daemon)).toBe(true);
    } finally {
      process.kill(daemon, "SIGKILL");
    }
  });

  it("names a missing binary as something to install", async () => {
    const error = await rejection(host.run(["aws-ha-no-such-binary", "x"], 5_000));
    expect(error.kind).toBe("install");
    expect(error.message).toBe("aws-ha-no-such-binary not found; install the package that provides aws-ha-no-such-binary");
  });
});

describe("fsck", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "awsha-fsck-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes a clean ext4 file system and fails one whose superblock is gone, with what fsck said", async () => {
    const image = join(dir, "clean.img");
    run(["truncate", "-s", "16M", image]);
    run(["mkfs.ext4", "-q", "-F", image]);
    await host.fsck(image, "ext4");

    const broken = join(dir, "broken.img");
    run(["truncate", "-s", "16M", broken]);
    const error = await rejection(host.fsck(broken, "ext4"));
    expect(error.kind).toBe("host");
    expect(error.message).toMatch(
      /^fsck -p -T -t ext4 .*broken\.img failed \(exit 8: operational error\): fsck\.ext4: Bad magic number in super-block/,
    );
  });

  it("leaves xfs to repair itself at mount time", async () => {
    const junk = join(dir, "junk.img");
    writeFileSync(junk, "not a file system");
    await host.fsck(junk, "xfs");
  });
});

describe("an init-style service", () => {
  let dir: string;
  let initScript: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "awsha-init-"));
    initScript = join(dir, "demo");
    writeFileSync(
      initScript,
      [
        "#!/bin/sh",
        `state=${dir}/running`,
        'case "$1" in',
        '  start) [ -e "$0.broken" ] && { echo "port 80 already in use" >&2; exit 1; }; touch "$state" ;;',
        '  stop) rm -f "$state" ;;',
        '  status) if [ -e "$state" ]; then echo "demo is running"; exit 0; else echo "demo is stopped"; exit 3; fi ;;',
        "esac",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is active between start and stop, and a second stop is fine", async () => {
    const service = { initScript };
    expect(await host.serviceActive(service)).toBe(false);
    await host.startService(service);
    expect(await host.serviceActive(service)).toBe(true);
    await host.stopService(service);
    await host.stopService(service);
    expect(await host.serviceActive(service)).toBe(false);
  });

  it("reports a failed start with the script's own words", async () => {
    writeFileSync(`${initScript}.broken`, "");
    const error = await rejection(host.startService({ initScript }));
    expect(error.kind).toBe("host");
    expect(error.message).toBe(`${initScript} start failed (exit 1): port 80 already in use`);
    expect(error.details.fix).toBe(`run ${initScript} start by hand to see why`);
  });

  it("names a missing init script", async () => {
    const error = await rejection(host.startService({ initScript: join(dir, "absent") }));
    expect(error.kind).toBe("install");
  });
});

describe.skipIf(!asRoot)("a volume's file system on a loop device (root)", () => {
  const volumeId = "vol-0a1b2c3d4e5f6a7b8";
  let dir: string;
  let loop: string | undefined;
  let byId: string;
  let mountPoint: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    // Not below /tmp: aws-ha refuses a mount point on a path that users other than root may change.
    dir = realpathSync(rootOnlyTempDir("awsha-volume-"));
    const image = join(dir, "volume.img");
    run(["truncate", "-s", "32M", image]);
    loop = run(["losetup", "--find", "--show", image]).trim();
    run(["mkfs.ext4", "-q", "-F", loop]);
    byId = join(dir, "by-id");
    run(["mkdir", byId]);
    symlinkSync(loop, join(byId, "nvme-Amazon_Elastic_Block_Store_vol0a1b2c3d4e5f6a7b8"));
    mountPoint = join(dir, "srv", "data");
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited(child);
    }
  });

  afterAll(() => {
    for (const mounted of [mountPoint, join(dir, "etc")])
      for (let i = 0; i < 3 && run(["cat", "/proc/self/mountinfo"]).includes(` ${mounted} `); i++) run(["umount", mounted]);
    if (loop) run(["losetup", "-d", loop]);
    rmSync(dir, { recursive: true, force: true });
  });

  function holdCwd(): ChildProcess {
    const child = spawn("sleep", ["60"], { cwd: mountPoint, stdio: "ignore" });
    children.push(child);
    return child;
  }

  function holdOpenFile(path: string): ChildProcess {
    const fd = openSync(path, "r");
    const child = spawn("sleep", ["60"], { cwd: "/", stdio: [fd, "ignore", "ignore"] });
    closeSync(fd);
    children.push(child);
    return child;
  }

  it("finds the volume's block device through its by-id link", async () => {
    expect(await host.findBlockDevice(volumeId, "/dev/sdf", byId)).toBe(loop);
    expect(await host.findBlockDevice("vol-0ffffffffffffffff", "/dev/sdp", byId)).toBeUndefined();
  });

  it("checks and mounts it, creating the mount point, and mounting again changes nothing", async () => {
    await host.fsck(loop!, "ext4");
    await host.mount(loop!, mountPoint, "ext4", ["noatime"]);
    expect(await host.mountOf(mountPoint)).toEqual({ device: loop, mountPoint, fsType: "ext4" });
    expect(run(["findmnt", "-n", "-o", "OPTIONS", mountPoint])).toMatch(/noatime/);
    expect(statSync(join(dir, "srv")).mode & 0o777).toBe(0o755);

    await host.mount(loop!, mountPoint, "ext4", []);
    expect(
      run(["cat", "/proc/self/mountinfo"])
        .split("\n")
        .filter((l) => l.includes(` ${mountPoint} `)),
    ).toHaveLength(1);
    writeFileSync(join(mountPoint, "record"), "written on the volume\n");
  });

  it("unmounts, and unmounting what is not mounted changes nothing; the data stays on the volume", async () => {
    await host.unmount(mountPoint, loop!, false);
    expect(await host.mountOf(mountPoint)).toBeUndefined();
    expect(existsSync(join(mountPoint, "record"))).toBe(false);
    await host.unmount(mountPoint, loop!, false);

    await host.mount(loop!, mountPoint, "ext4", []);
    expect(readFileSync(join(mountPoint, "record"), "utf8")).toBe("written on the volume\n");
  });

  it("refuses a busy unmount and names the processes that hold it", async () => {
    const inside = holdCwd();
    const reader = holdOpenFile(join(mountPoint, "record"));
    await expect.poll(() => readFileSync(`/proc/${inside.pid}/cmdline`, "utf8"), { timeout: 2_000 }).toContain("sleep");

    const error = await rejection(host.unmount(mountPoint, loop!, false));
    expect(error.kind).toBe("host");
    const [first, second] = [inside.pid!, reader.pid!].sort((a, b) => a - b);
    expect(error.message).toBe(`${mountPoint} is busy: held by PIDs ${first} (sleep), ${second} (sleep)`);
    expect(error.details.fix).toBe("stop them, declare them as a service resource, or set killHolders: true");
    expect(await host.mountOf(mountPoint)).toBeDefined();
    expect(inside.exitCode).toBeNull();
    expect(reader.exitCode).toBeNull();
  });

  it("with killHolders, stops the processes that hold it and unmounts", async () => {
    const inside = holdCwd();
    const reader = holdOpenFile(join(mountPoint, "record"));
    await expect.poll(() => readFileSync(`/proc/${inside.pid}/cmdline`, "utf8"), { timeout: 2_000 }).toContain("sleep");

    await host.unmount(mountPoint, loop!, true);
    expect(await host.mountOf(mountPoint)).toBeUndefined();
    expect(await exited(inside)).toBe("SIGTERM");
    expect(await exited(reader)).toBe("SIGTERM");
  });

  it("refuses to mount over another device, and reports mount's own complaint", async () => {
    await host.mount(loop!, mountPoint, "ext4", []);
    const other = await rejection(host.mount("/dev/null", mountPoint, "ext4", []));
    expect(other.message).toBe(`${mountPoint} already has ${loop} mounted; refusing to mount /dev/null over it`);
    await host.unmount(mountPoint, loop!, false);

    const wrongType = await rejection(host.mount(loop!, mountPoint, "xfs", []));
    expect(wrongType.kind).toBe("host");
    expect(wrongType.message).toMatch(new RegExp(`^mount -t xfs ${loop} ${mountPoint} failed \\(exit 32\\): .*wrong fs type`));
  });
  it("finds every place the device is mounted, by its by-id link as well as its own name", async () => {
    await host.mount(loop!, mountPoint, "ext4", []);
    const link = join(byId, "nvme-Amazon_Elastic_Block_Store_vol0a1b2c3d4e5f6a7b8");
    expect(await host.mountPointsOf(loop!)).toEqual([mountPoint]);
    expect(await host.mountPointsOf(link)).toEqual([mountPoint]);
    await host.unmount(mountPoint, link, false);
    expect(await host.mountPointsOf(loop!)).toEqual([]);
  });

  it("leaves another file system on the mount point alone: not unmounted, and the process using it not killed", async () => {
    mkdirSync(mountPoint, { recursive: true });
    run(["mount", "-t", "tmpfs", "-o", "size=1m", "awsha-foreign", mountPoint]);
    const user = holdCwd();
    await expect.poll(() => readFileSync(`/proc/${user.pid}/cmdline`, "utf8"), { timeout: 2_000 }).toContain("sleep");

    const error = await rejection(host.unmount(mountPoint, loop!, true));

    expect(error.message).toBe(`${mountPoint} has awsha-foreign mounted, not ${loop}; left it alone`);
    expect((await host.mountOf(mountPoint))?.device).toBe("awsha-foreign");
    expect(user.exitCode).toBeNull();
    expect(user.signalCode).toBeNull();
    user.kill("SIGKILL");
    await exited(user);
    run(["umount", mountPoint]);
  });

  it("refuses a mount point below a directory a user took over and swapped for a link: nothing is mounted anywhere", async () => {
    // The user "nobody" owns the parent and makes the mount point lead to the directory it wants.
    const parent = join(dir, "srv");
    const target = join(dir, "etc");
    mkdirSync(target, { mode: 0o755 });
    rmSync(mountPoint, { recursive: true, force: true });
    symlinkSync(target, mountPoint);
    chownSync(parent, 65534, 65534);
    try {
      const error = await rejection(host.mount(loop!, mountPoint, "ext4", []));
      expect(error.kind).toBe("host");
      expect(error.message).toContain(`${parent} is owned by uid 65534, not root; ${mountPoint} is a symbolic link (to ${target})`);
      expect(error.details.fix).toBe(
        `chown root:root ${parent}; replace the link with a directory of root's (rm ${mountPoint}; mkdir -m 0755 ${mountPoint}), or set mountPoint to a path without links`,
      );
      await expect(host.checkMountPoint(mountPoint)).rejects.toThrow(/is a symbolic link/);
      expect(await host.mountPointsOf(loop!)).toEqual([]);
      expect(await host.mountOf(target)).toBeUndefined();
    } finally {
      chownSync(parent, 0, 0);
      rmSync(mountPoint);
    }
  });

  it("refuses to unmount through a parent that group and others may write, and the volume stays mounted", async () => {
    await host.mount(loop!, mountPoint, "ext4", []);
    const parent = join(dir, "srv");
    run(["chmod", "0777", parent]);
    try {
      const error = await rejection(host.unmount(mountPoint, loop!, true));
      expect(error.details.fix).toBe(`chmod go-w ${parent}`);
      expect((await host.mountOf(mountPoint))?.device).toBe(loop);
    } finally {
      run(["chmod", "0755", parent]);
    }
    await host.unmount(mountPoint, loop!, false);
    expect(await host.mountOf(mountPoint)).toBeUndefined();
  });
});

describe.skipIf(!asRoot)("addresses on an interface in a network namespace (root)", () => {
  const netns = `awsha-t-${randomBytes(3).toString("hex")}`;
  let created = false;
  let nsHost: Host;
  const addressesNow = () => run(["ip", "-n", netns, "-o", "-4", "addr", "show", "dev", "eth0"]);

  beforeAll(() => {
    run(["ip", "netns", "add", netns]);
    created = true;
    run(["ip", "-n", netns, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0"]);
    run(["ip", "-n", netns, "link", "set", "eth0", "up"]);
    nsHost = new LinuxHost({ netns });
  });

  afterAll(() => {
    if (created) run(["ip", "netns", "del", netns]);
  });

  it("adds a VIP once however often it is asked, and removes it the same way", async () => {
    expect(await nsHost.hasAddress("eth0", "10.231.77.5")).toBe(false);
    await nsHost.addAddress("eth0", "10.231.77.5", 24);
    await nsHost.addAddress("eth0", "10.231.77.5", 24);
    expect(await nsHost.hasAddress("eth0", "10.231.77.5")).toBe(true);
    expect(addressesNow().match(/inet 10\.231\.77\.5\/24/g)).toHaveLength(1);

    await nsHost.removeAddress("eth0", "10.231.77.5", 24);
    await nsHost.removeAddress("eth0", "10.231.77.5", 24);
    expect(await nsHost.hasAddress("eth0", "10.231.77.5")).toBe(false);
    expect(addressesNow()).not.toContain("10.231.77.5");
  });

  it("removes a VIP that keepalived added as /32", async () => {
    run(["ip", "-n", netns, "addr", "add", "10.231.77.6/32", "dev", "eth0"]);
    await nsHost.removeAddress("eth0", "10.231.77.6", 24);
    expect(addressesNow()).not.toContain("10.231.77.6");
  });

  it("announces an address without failing when arping is not installed", async () => {
    await nsHost.addAddress("eth0", "10.231.77.7", 24);
    await expect(nsHost.announceAddress("eth0", "10.231.77.7")).resolves.toBeUndefined();
  });

  it("names an interface that is not there and where to correct it", async () => {
    const error = await rejection(nsHost.hasAddress("eth9", "10.231.77.5"));
    expect(error.kind).toBe("host");
    expect(error.message).toMatch(/^ip -n awsha-t-\w+ -j addr show dev eth9 failed \(exit 1\): Device "eth9" does not exist\.$/);
    expect(error.details.fix).toBe("there is no interface eth9 here; correct nodes[].interface");
  });
});
