import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { everything, ids, nodeA, nodeB, resource } from "./support/cluster-fixture";
import { given } from "./support/given";
import { asRoot, deviceNameTaken } from "./support/loop-disk";
import { parseMountInfo } from "../../src/host/mount-table";
import { markedProcesses } from "./support/notify-cli";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";
import { sleep, waitFor } from "./support/wait";
import { cloudHolders, instanceState, volumeAttachments } from "./support/world-view";

// The EBS data volume: one writer at a time. A loop device stands in for the disk; its NVMe by-id
// link appears in a node's by-id directory only while the EC2 stand-in has the volume attached to
// that node's instance. Mounting needs root, so those scenarios are skipped otherwise. As root the
// worlds live under /var/lib: aws-ha refuses a mount point below /tmp, which anyone may write.

const canMount = asRoot && !deviceNameTaken(ids.device);
if (!canMount)
  console.warn(
    asRoot
      ? `notify-volume: this machine has ${ids.device} (or its Xen twin); skipping the scenarios that mount the volume`
      : "notify-volume: not root; skipping the scenarios that need a loop device and a mount",
  );

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe.runIf(canMount)("handing the volume over (loop device, as root)", () => {
  it("the old master's backup unmounts and detaches it, the new master attaches and mounts it: a file written on A is read on B", async () => {
    world = await startTwoNodeWorld({ resources: everything, disk: true });
    const { a, b, disk } = world;
    const first = await a.run(["master"]);
    expect(first.code, first.stderr).toBe(0);
    expect(disk!.mountPoints()).toEqual([a.mountPoint]);
    writeFileSync(join(a.mountPoint, "written-on-a.txt"), "hello from node-a\n");

    // keepalived tells both nodes at about the same time, each its own new state.
    const [takeover, handback] = await Promise.all([b.run(["master"]), a.run(["backup"])]);

    expect(takeover.code, takeover.stderr).toBe(0);
    expect(handback.code, handback.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toEqual({ vip: "node-b", eip: "node-b", route: "node-b", volume: "node-b (attached)" });
    expect(disk!.mountPoints()).toEqual([b.mountPoint]);
    expect(readFileSync(join(b.mountPoint, "written-on-a.txt"), "utf8")).toBe("hello from node-a\n");
    // A stopped its service before it let go of the volume; B started its own after mounting it.
    expect(a.scripts.journal()).toEqual(["acquire", "start", "stop", "release"]);
    expect(b.scripts.journal()).toEqual(["acquire", "start"]);
    // B waited for A to let go instead of trying to attach a volume that was still in use.
    expect(world.ec2.calls.of("AttachVolume").map((c) => [c.instanceIds, c.error])).toEqual([
      [[nodeA.instanceId], undefined],
      [[nodeB.instanceId], undefined],
    ]);
    expect(existsSync(a.lockFile) || existsSync(b.lockFile)).toBe(false);
  });

  it("a dead peer that keeps the volume is fenced: stopped, the volume force-detached, attached here and mounted", async () => {
    world = await startTwoNodeWorld({
      resources: (node) => [resource.volume(node), resource.service(node)],
      disk: true,
      fencing: { enabled: true, peerReleaseTimeout: 1, stopTimeout: 10 },
      // B's OS is hung with the disk in use: a plain detach never completes while B runs.
      given: (spec) => given.volumeAttachedTo(spec, nodeB, { stuckUntilForce: true }),
    });
    const since = Date.now();

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    const after = world.snapshot();
    expect(instanceState(after, nodeB.instanceId)).toBe("stopped");
    expect(instanceState(after, nodeA.instanceId)).toBe("running");
    expect(volumeAttachments(after)).toEqual([{ instanceId: nodeA.instanceId, state: "attached" }]);
    expect(world.disk!.mountPoints()).toEqual([world.a.mountPoint]);
    expect(world.a.scripts.serviceRunning()).toBe(true);
    expect(master.stderr).toMatch(/fencing node-b/);
    expect(master.stderr).toMatch(/force-detaching vol-/);
    // Stop first, detach the stopped peer's volume next, attach here last.
    const order = world.mutatingCalls(since).map((c) => `${c.action} ${c.instanceIds.join(",")}${c.error ? ` ${c.error}` : ""}`);
    expect(order).toEqual([`StopInstances ${nodeB.instanceId}`, `DetachVolume ${nodeB.instanceId}`, `AttachVolume ${nodeA.instanceId}`]);
  });

  it("a busy mount is never detached: backup names the process that holds it, exits 1, and the volume stays", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.volume(node), resource.service(node)], disk: true });
    const { a } = world;
    expect((await a.run(["master"])).code).toBe(0);
    const holder = spawn("sleep", ["60"], { cwd: a.mountPoint, stdio: "ignore" });
    try {
      const backup = await a.run(["backup"]);

      expect(backup.code).toBe(1);
      expect(backup.stderr).toMatch(new RegExp(`is busy: held by PIDs ${holder.pid} \\(sleep\\); stop them, declare them as a service`));
      expect(volumeAttachments(world.snapshot())).toEqual([{ instanceId: nodeA.instanceId, state: "attached" }]);
      expect(world.disk!.mountPoints()).toEqual([a.mountPoint]);
      expect(world.ec2.calls.of("DetachVolume")).toEqual([]);
    } finally {
      holder.kill("SIGKILL");
    }
    await new Promise((resolve) =>
      holder.exitCode !== null || holder.signalCode !== null ? resolve(undefined) : holder.once("exit", resolve),
    );

    const again = await a.run(["backup"]);

    expect(again.code, again.stderr).toBe(0);
    expect(volumeAttachments(world.snapshot())).toEqual([]);
    expect(world.disk!.mountPoints()).toEqual([]);
  });

  it("both nodes told `master` at once (split brain): the volume is attached to one of them and mounted once", async () => {
    world = await startTwoNodeWorld({
      resources: (node) => [resource.volume(node), resource.service(node)],
      disk: true,
      fencing: { enabled: false, peerReleaseTimeout: 2 },
    });

    const results = await Promise.all([world.a.run(["master"]), world.b.run(["master"])]);

    expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
    const winner = results[0]!.code === 0 ? world.a : world.b;
    const loser = winner === world.a ? world.b : world.a;
    expect(volumeAttachments(world.snapshot())).toEqual([{ instanceId: winner.instanceId, state: "attached" }]);
    expect(world.disk!.mountPoints()).toEqual([winner.mountPoint]);
    expect(loser.scripts.serviceRunning()).toBe(false);
    expect(
      world.ec2.calls
        .of("AttachVolume")
        .filter((c) => c.error === undefined)
        .map((c) => c.instanceIds),
    ).toEqual([[winner.instanceId]]);
  });

  it("`stop` finishes the release in a detached worker after its caller is SIGKILLed (keepalived's notify_stop)", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.volume(node), resource.service(node)], disk: true });
    const { a } = world;
    expect((await a.run(["master"])).code).toBe(0);
    // Slow EC2, so that the release takes well over keepalived's one second.
    world.ec2.faults.inject({ kind: "latency", ms: 400, action: "DescribeVolumes" });
    world.ec2.faults.inject({ kind: "latency", ms: 400, action: "DetachVolume" });
    const started = Date.now();

    const stop = a.start(["stop"]);
    const worker = await waitFor("the detached worker to start", async () =>
      (await markedProcesses(a.env.AWS_HA_ITEST_WORLD!)).find(
        (pid) => pid !== stop.pid && readEnviron(pid).includes("AWS_HA_DETACHED_WORKER=1"),
      ),
    );
    const workerSeenMs = Date.now() - started;
    await sleep(Math.max(0, 300 - workerSeenMs));
    stop.killGroup("SIGKILL");
    expect((await stop.exited).signal).toBe("SIGKILL");
    expect(volumeAttachments(world.snapshot())).not.toEqual([]);

    await waitFor("the worker to detach the volume", () => volumeAttachments(world!.snapshot()).length === 0, 20_000);
    await waitFor("the worker to end", () => !existsSync(`/proc/${worker}`), 10_000);

    expect(workerSeenMs).toBeLessThan(1_000);
    expect(Date.now() - started).toBeGreaterThan(1_000);
    expect(world.disk!.mountPoints()).toEqual([]);
    expect(a.scripts.serviceRunning()).toBe(false);
    expect(existsSync(a.lockFile)).toBe(false);
    expect(world.snapshot().volumes[0]!.state).toBe("available");
  });
});

describe.runIf(canMount)("a file system at the mount point that is not the volume (as root)", () => {
  // Someone mounted something of their own on the node's mount point: a tmpfs, named so that it
  // shows in the mount table as itself.
  const foreign = "aws-ha-itest-foreign";
  const mountedHere: string[] = [];
  const users: ChildProcess[] = [];

  function mountForeign(dir: string): void {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", foreign, dir], { timeout: 10_000 });
    mountedHere.push(dir);
  }

  afterEach(async () => {
    for (const user of users.splice(0)) {
      if (user.exitCode === null && user.signalCode === null) user.kill("SIGKILL");
      await new Promise((resolve) =>
        user.exitCode !== null || user.signalCode !== null ? resolve(undefined) : user.once("exit", resolve),
      );
    }
    for (const dir of mountedHere.splice(0)) if (sourceMountedAt(dir) === foreign) execFileSync("umount", [dir], { timeout: 10_000 });
  });

  it("backup detaches the volume but neither unmounts that file system nor kills its users, and says it left it alone", async () => {
    world = await startTwoNodeWorld({
      resources: (node) => [{ ...resource.volume(node), killHolders: true }],
      disk: true,
      // A failed acquire left the volume attached to A and unmounted.
      given: (spec) => given.volumeAttachedTo(spec, nodeA),
    });
    const { a } = world;
    mountForeign(a.mountPoint);
    const user = spawn("sleep", ["60"], { cwd: a.mountPoint, stdio: "ignore" });
    users.push(user);

    const backup = await a.run(["backup"]);

    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stderr).toContain(`left ${foreign} on ${a.mountPoint} alone: it is not ${ids.volumeId}`);
    expect(sourceMountedAt(a.mountPoint)).toBe(foreign);
    expect(user.exitCode).toBeNull();
    expect(user.signalCode).toBeNull();
    expect(volumeAttachments(world.snapshot())).toEqual([]);
  });

  it("master fails before it attaches anything, naming what is mounted there, and the service is not started", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.volume(node), resource.service(node)], disk: true });
    const { a } = world;
    mountForeign(a.mountPoint);

    const master = await a.run(["master"]);

    expect(master.code).toBe(1);
    expect(master.stderr).toContain(
      `volume data: ${a.mountPoint} has ${foreign} mounted, not ${ids.volumeId}; nothing was attached; unmount ${foreign} from ${a.mountPoint}, or give the volume another mountPoint`,
    );
    expect(world.ec2.calls.of("AttachVolume")).toEqual([]);
    expect(world.disk!.mountPoints()).toEqual([]);
    expect(sourceMountedAt(a.mountPoint)).toBe(foreign);
    expect(a.scripts.serviceRunning()).toBe(false);
  });
});

describe.runIf(canMount)("a mount point that a user other than root could redirect (as root)", () => {
  // The user "nobody" (uid 65534) owns the directory above the mount point: it can replace the
  // mount point with a link and so choose where root mounts the volume.
  const nobody = 65534;

  it("a mount point swapped for a link to another directory: master refuses, attaches nothing and mounts nothing anywhere", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.volume(node)], disk: true });
    const { a } = world;
    const parent = dirname(a.mountPoint);
    const target = join(a.dir, "etc");
    mkdirSync(parent, { recursive: true, mode: 0o755 });
    mkdirSync(target, { mode: 0o755 });
    chownSync(parent, nobody, nobody);
    symlinkSync(target, a.mountPoint);

    const master = await a.run(["master"]);

    expect(master.code).toBe(1);
    expect(master.stderr).toContain(`${parent} is owned by uid ${nobody}, not root`);
    expect(master.stderr).toContain(`${a.mountPoint} is a symbolic link`);
    expect(master.stderr).toContain(`chown root:root ${parent}`);
    expect(world.ec2.calls.of("AttachVolume")).toEqual([]);
    expect(world.disk!.mountPoints()).toEqual([]);
    expect(sourceMountedAt(target)).toBeUndefined();
  });

  it("a parent handed to another user after the mount: backup refuses to unmount, the volume stays mounted and attached", async () => {
    world = await startTwoNodeWorld({ resources: (node) => [resource.volume(node)], disk: true });
    const { a } = world;
    expect((await a.run(["master"])).code).toBe(0);
    const parent = dirname(a.mountPoint);
    chownSync(parent, nobody, nobody);

    const backup = await a.run(["backup"]);

    expect(backup.code).toBe(1);
    expect(backup.stderr).toContain(`${parent} is owned by uid ${nobody}, not root`);
    expect(backup.stderr).toContain(`chown root:root ${parent}`);
    expect(world.disk!.mountPoints()).toEqual([a.mountPoint]);
    expect(volumeAttachments(world.snapshot())).toEqual([{ instanceId: nodeA.instanceId, state: "attached" }]);

    chownSync(parent, 0, 0);
    const again = await a.run(["backup"]);
    expect(again.code, again.stderr).toBe(0);
    expect(world.disk!.mountPoints()).toEqual([]);
    expect(volumeAttachments(world.snapshot())).toEqual([]);
  });
});

// As root only: aws-ha checks the mount point before it waits for the peer, and refuses one that is
// not root's all the way down, which every directory a non-root test can make is not.
describe.runIf(asRoot)("a dead peer keeps the volume and fencing is off (as root)", () => {
  it("fails naming the peer, exits 1, never attaches the volume and never starts the service on top of it", async () => {
    world = await startTwoNodeWorld({
      resources: (node) => [resource.volume(node), resource.service(node)],
      fencing: { enabled: false, peerReleaseTimeout: 1 },
      given: (spec) => given.volumeAttachedTo(spec, nodeB, { stuckUntilForce: true }),
    });

    const master = await world.a.run(["master"]);

    expect(master.code).toBe(1);
    expect(master.stderr).toContain(`volume data: attached to ${nodeB.instanceId} (attached) for 1 s; enable fencing or detach it by hand`);
    expect(master.stderr).toMatch(/app: not attempted because data failed to acquire/);
    expect(world.ec2.calls.of("AttachVolume").filter((c) => c.error === undefined)).toEqual([]);
    expect(world.ec2.calls.of("StopInstances")).toEqual([]);
    expect(volumeAttachments(world.snapshot())).toEqual([{ instanceId: nodeB.instanceId, state: "attached" }]);
    expect(instanceState(world.snapshot(), nodeB.instanceId)).toBe("running");
    expect(world.a.scripts.serviceRunning()).toBe(false);
  });
});

function readEnviron(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8");
  } catch {
    return "";
  }
}

/** The source of the top mount on dir, as the kernel lists it. */
function sourceMountedAt(dir: string): string | undefined {
  return parseMountInfo(readFileSync("/proc/self/mountinfo", "utf8"))
    .filter((m) => m.mountPoint === dir)
    .pop()?.device;
}
