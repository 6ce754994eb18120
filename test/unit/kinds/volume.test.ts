import { describe, expect, it } from "vitest";
import type { VolumeSpec } from "../../../src/kinds/volume/schema";
import { AwsHaError } from "../../../src/errors";
import type { Resource } from "../../../src/kinds/resource";
import { VolumeResource } from "../../../src/kinds/volume/resource";
import { a, b, blockDevice, clusterOf, onNode, transition, twoNodeEc2, zone } from "../support/cluster";

const volumeId = "vol-0abc00000000000d1";

function world(options: { attachedTo?: string; fencing?: boolean; volumeZone?: string; killHolders?: boolean; fsck?: boolean } = {}) {
  const description = clusterOf(
    [
      {
        kind: "volume",
        name: "data",
        volumeId,
        mountPoint: "/srv/data",
        mountOptions: ["noatime"],
        killHolders: options.killHolders ?? false,
        fsck: options.fsck ?? true,
      },
    ],
    { fencing: { enabled: options.fencing ?? false, peerReleaseTimeout: 0.4, stopTimeout: 5 }, timeouts: { volume: 5 } },
  );
  const ec2 = twoNodeEc2();
  ec2.addVolume(volumeId, options.volumeZone ?? zone, options.attachedTo ? { instanceId: options.attachedTo } : undefined);
  const volume: Resource = new VolumeResource(description.resources[0] as VolumeSpec);
  return { ec2, volume, nodeA: onNode(a, description, ec2) };
}

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<AwsHaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsHaError);
  return error as AwsHaError;
}

describe("an EBS volume", () => {
  it("given B still has it, when B releases it within the timeout, A attaches it, checks the file system and mounts it", async () => {
    const { ec2, volume, nodeA } = world({ attachedTo: b.instanceId });
    ec2.peerReleasesAfter(volumeId, 2);

    const { before, outcome } = await transition(volume, nodeA.ctx, "acquire");

    expect(before).toMatchObject({ held: false, holder: b.instanceId, detail: `${volumeId} attached to node-b, ${b.instanceId}` });
    expect(outcome).toBe("changed");
    expect(ec2.calls).toEqual([`attachVolume ${volumeId} ${a.instanceId} /dev/sdf`]);
    expect(ec2.attachmentsOf(volumeId)).toEqual([{ instanceId: a.instanceId, state: "attached" }]);
    expect(nodeA.host.calls).toEqual([`fsck ${blockDevice} ext4`, `mount ${blockDevice} /srv/data ext4 noatime`]);
    expect(nodeA.lines.some((l) => l.includes(`for node-b, ${b.instanceId} to release ${volumeId}`))).toBe(true);
    expect(await volume.inspect(nodeA.ctx)).toMatchObject({
      held: true,
      detail: `${volumeId} attached to this node, mounted on /srv/data`,
    });
  });

  it("an available volume is attached and mounted without waiting for anyone; fsck: false skips the check", async () => {
    const { ec2, volume, nodeA } = world({ fsck: false });
    await transition(volume, nodeA.ctx, "acquire");
    expect(ec2.calls).toEqual([`attachVolume ${volumeId} ${a.instanceId} /dev/sdf`]);
    expect(nodeA.host.calls).toEqual([`mount ${blockDevice} /srv/data ext4 noatime`]);
    expect(nodeA.lines.some((l) => l.includes("to release"))).toBe(false);
  });

  it("given B never lets go and fencing is on, A stops B, confirms it stopped, force-detaches, then attaches", async () => {
    const { ec2, volume, nodeA } = world({ attachedTo: b.instanceId, fencing: true });

    expect((await transition(volume, nodeA.ctx, "acquire")).outcome).toBe("changed");

    expect(ec2.calls).toEqual([
      `stopInstance ${b.instanceId}`,
      `detachVolume ${volumeId} ${b.instanceId} force`,
      `attachVolume ${volumeId} ${a.instanceId} /dev/sdf`,
    ]);
    expect(ec2.instances.get(b.instanceId)!.state).toBe("stopped");
    expect(ec2.attachmentsOf(volumeId)).toEqual([{ instanceId: a.instanceId, state: "attached" }]);
    expect(nodeA.host.mounts.has("/srv/data")).toBe(true);
  });

  it("a block device that udev creates a moment after EC2 says attached is waited for, then mounted", async () => {
    const { volume, nodeA } = world();
    let lookups = 0;
    Object.assign(nodeA.host, { findBlockDevice: async () => (++lookups < 3 ? undefined : blockDevice) });
    await transition(volume, nodeA.ctx, "acquire");
    expect(lookups).toBe(3);
    expect(nodeA.host.mounts.get("/srv/data")).toMatchObject({ device: blockDevice });
    expect(nodeA.lines.some((l) => l.startsWith(`waiting for the block device of ${volumeId}`))).toBe(true);
  });

  it("a peer that will not stop is never force-detached: the transition fails naming fencing.stopTimeout", async () => {
    const { ec2, volume, nodeA } = world({ attachedTo: b.instanceId, fencing: true });
    ec2.stopDescribes = Infinity;
    nodeA.ctx.description.fencing.stopTimeout = 0.5;
    const error = await failure(transition(volume, nodeA.ctx, "acquire"));
    expect(error.kind).toBe("timeout");
    expect(error.describe()).toContain("fencing.stopTimeout");
    expect(ec2.mutated("detachVolume")).toEqual([]);
    expect(ec2.mutated("attachVolume")).toEqual([]);
  });

  it("with fencing on but this instance itself not running, nothing is fenced and the transition fails", async () => {
    const { ec2, volume, nodeA } = world({ attachedTo: b.instanceId, fencing: true });
    ec2.pinInstanceState(a.instanceId, "stopping");
    const error = await failure(transition(volume, nodeA.ctx, "acquire"));
    expect(error.kind).toBe("conflict");
    expect(error.message).toContain("this instance is stopping");
    expect(ec2.calls).toEqual([]);
    expect(ec2.instances.get(b.instanceId)!.state).toBe("running");
  });

  it("with fencing off, a peer that keeps the volume is a conflict that names the fix, and nothing is attached", async () => {
    const { ec2, volume, nodeA } = world({ attachedTo: b.instanceId });
    const error = await failure(transition(volume, nodeA.ctx, "acquire"));
    expect(error.kind).toBe("conflict");
    expect(error.describe()).toBe(`volume data: attached to ${b.instanceId} (attached) for 0.4 s; enable fencing or detach it by hand`);
    expect(ec2.mutated("attachVolume")).toEqual([]);
    expect(ec2.calls).toEqual([]);
  });

  it("an instance that is not a node of the cluster is never fenced", async () => {
    const { ec2, volume, nodeA } = world({ attachedTo: "i-0ccccccccccccccc3", fencing: true });
    ec2.addInstance("i-0ccccccccccccccc3", zone);
    const error = await failure(transition(volume, nodeA.ctx, "acquire"));
    expect(error.message).toContain("is not a node of cluster web");
    expect(ec2.calls).toEqual([]);
  });

  it("a volume in another zone is a configuration error naming both zones, and nothing is attached", async () => {
    const { ec2, volume, nodeA } = world({ volumeZone: "eu-west-1b" });
    const error = await failure(transition(volume, nodeA.ctx, "acquire"));
    expect(error.kind).toBe("config");
    expect(error.message).toContain("eu-west-1b");
    expect(error.message).toContain("eu-west-1a");
    expect(ec2.calls).toEqual([]);
  });

  it("re-acquiring a volume attached and mounted here changes nothing, in EC2 or on the machine", async () => {
    const { ec2, volume, nodeA } = world();
    await transition(volume, nodeA.ctx, "acquire");
    ec2.calls.length = 0;
    nodeA.host.calls.length = 0;
    expect((await transition(volume, nodeA.ctx, "acquire")).outcome).toBe("unchanged");
    expect(ec2.calls).toEqual([]);
    expect(nodeA.host.calls).toEqual([]);
  });

  it("release unmounts, detaches without force and waits until the volume is available", async () => {
    const { ec2, volume, nodeA } = world();
    await transition(volume, nodeA.ctx, "acquire");
    ec2.calls.length = 0;
    expect((await transition(volume, nodeA.ctx, "release")).outcome).toBe("changed");
    expect(nodeA.host.calls.at(-1)).toBe("unmount /srv/data");
    expect(ec2.calls).toEqual([`detachVolume ${volumeId} ${a.instanceId}`]);
    expect(ec2.attachmentsOf(volumeId)).toEqual([]);
  });

  it("a busy mount fails the release and the volume stays attached", async () => {
    const { ec2, volume, nodeA } = world();
    await transition(volume, nodeA.ctx, "acquire");
    nodeA.host.busy.add("/srv/data");
    const error = await failure(transition(volume, nodeA.ctx, "release"));
    expect(error.message).toContain("busy");
    expect(ec2.mutated("detachVolume")).toEqual([]);
    expect(ec2.attachmentsOf(volumeId)).toEqual([{ instanceId: a.instanceId, state: "attached" }]);
  });

  it("with killHolders, a busy mount is freed and the volume detached", async () => {
    const { ec2, volume, nodeA } = world({ killHolders: true });
    await transition(volume, nodeA.ctx, "acquire");
    nodeA.host.busy.add("/srv/data");
    await transition(volume, nodeA.ctx, "release");
    expect(nodeA.host.calls.at(-1)).toBe("unmount /srv/data kill");
    expect(ec2.attachmentsOf(volumeId)).toEqual([]);
  });

  it("a mount point that holds another device is refused before anything is attached or anyone fenced", async () => {
    const { ec2, volume, nodeA } = world({ attachedTo: b.instanceId, fencing: true });
    await nodeA.host.mount("/dev/nvme0n1p9", "/srv/data", "ext4", []);
    const error = await failure(transition(volume, nodeA.ctx, "acquire"));
    expect(error.kind).toBe("host");
    expect(error.describe()).toBe(
      `volume data: /srv/data has /dev/nvme0n1p9 mounted, not ${volumeId}; nothing was attached; unmount /dev/nvme0n1p9 from /srv/data, or give the volume another mountPoint`,
    );
    expect(ec2.calls).toEqual([]);
    expect(ec2.instances.get(b.instanceId)!.state).toBe("running");
    expect(nodeA.host.mounts.get("/srv/data")!.device).toBe("/dev/nvme0n1p9");
  });

  it("releasing a volume attached to another node makes no call", async () => {
    const { ec2, volume, nodeA } = world({ attachedTo: b.instanceId });
    expect(await volume.release(nodeA.ctx, await volume.inspect(nodeA.ctx))).toBe("unchanged");
    expect(ec2.calls).toEqual([]);
    expect(nodeA.host.calls).toEqual([]);
  });

  it("attached here but never mounted (a failed acquire) is partial: release detaches it, acquire only mounts", async () => {
    const { ec2, volume, nodeA } = world({ attachedTo: a.instanceId });
    expect(await volume.inspect(nodeA.ctx)).toMatchObject({ held: false, partial: true });

    await transition(volume, nodeA.ctx, "acquire");
    expect(ec2.calls).toEqual([]);
    expect(nodeA.host.mounts.get("/srv/data")).toMatchObject({ device: blockDevice });

    nodeA.host.mounts.clear();
    await transition(volume, nodeA.ctx, "release");
    expect(ec2.calls).toEqual([`detachVolume ${volumeId} ${a.instanceId}`]);
  });

  it("after a failed acquire the volume is attached here and unmounted: release detaches it and waits for available", async () => {
    const { ec2, volume, nodeA } = world({ attachedTo: a.instanceId });
    expect((await transition(volume, nodeA.ctx, "release")).outcome).toBe("changed");
    expect(nodeA.host.calls).toEqual([]);
    expect(ec2.calls).toEqual([`detachVolume ${volumeId} ${a.instanceId}`]);
    expect(ec2.attachmentsOf(volumeId)).toEqual([]);
  });
});

describe("a file system at the mount point that is not this volume", () => {
  const foreign = "/dev/nvme0n1p9";

  it("is not ours: with the volume on B, inspect says neither held nor partial, and names what is mounted there", async () => {
    const { volume, nodeA } = world({ attachedTo: b.instanceId });
    await nodeA.host.mount(foreign, "/srv/data", "ext4", []);
    expect(await volume.inspect(nodeA.ctx)).toEqual({
      held: false,
      partial: false,
      holder: b.instanceId,
      detail: `${volumeId} attached to node-b, ${b.instanceId}; /srv/data has ${foreign} mounted, not this volume`,
    });
  });

  it("is left alone by release, even busy and with killHolders: nothing unmounted, nothing killed, and the log says so", async () => {
    const { ec2, volume, nodeA } = world({ attachedTo: b.instanceId, killHolders: true });
    await nodeA.host.mount(foreign, "/srv/data", "ext4", []);
    nodeA.host.busy.add("/srv/data");
    nodeA.host.calls.length = 0;

    expect(await volume.release(nodeA.ctx, await volume.inspect(nodeA.ctx))).toBe("unchanged");

    expect(nodeA.host.calls).toEqual([]);
    expect(nodeA.host.mounts.get("/srv/data")).toMatchObject({ device: foreign });
    expect(nodeA.host.busy.has("/srv/data")).toBe(true);
    expect(ec2.calls).toEqual([]);
    expect(nodeA.lines.some((l) => l.includes(`left ${foreign} on /srv/data alone: it is not ${volumeId}`))).toBe(true);
  });

  it("with the volume attached here but unmounted, release detaches the volume and leaves the other file system mounted", async () => {
    const { ec2, volume, nodeA } = world({ attachedTo: a.instanceId, killHolders: true });
    await nodeA.host.mount(foreign, "/srv/data", "ext4", []);
    nodeA.host.calls.length = 0;
    expect(await volume.inspect(nodeA.ctx)).toMatchObject({ held: false, partial: true });

    await transition(volume, nodeA.ctx, "release");

    expect(nodeA.host.calls).toEqual([]);
    expect(nodeA.host.mounts.get("/srv/data")).toMatchObject({ device: foreign });
    expect(ec2.calls).toEqual([`detachVolume ${volumeId} ${a.instanceId}`]);
  });
});

describe("never detached while mounted here", () => {
  it("a volume still mounted elsewhere on this machine after its mount point is unmounted stays attached, and the error says where", async () => {
    const { ec2, volume, nodeA } = world();
    await transition(volume, nodeA.ctx, "acquire");
    // Someone mounted the same disk a second time, by hand.
    nodeA.host.mounts.set("/mnt/copy", { device: blockDevice, mountPoint: "/mnt/copy", fsType: "ext4" });
    ec2.calls.length = 0;

    const error = await failure(transition(volume, nodeA.ctx, "release"));

    expect(error.kind).toBe("host");
    expect(error.describe()).toBe(
      `volume data: ${volumeId} (${blockDevice}) is still mounted on /mnt/copy, so it is not detached; unmount it there (umount /mnt/copy), then release again`,
    );
    expect(ec2.calls).toEqual([]);
    expect(ec2.attachmentsOf(volumeId)).toEqual([{ instanceId: a.instanceId, state: "attached" }]);
  });
});

describe("a mount point that someone other than root could redirect", () => {
  it("a parent directory owned by another user is refused before anything is attached or anyone fenced, with the fix", async () => {
    const { ec2, volume, nodeA } = world({ attachedTo: b.instanceId, fencing: true });
    nodeA.host.paths.set("/srv", { kind: "directory", uid: 1000, mode: 0o755 });

    const error = await failure(transition(volume, nodeA.ctx, "acquire"));

    expect(error.kind).toBe("host");
    expect(error.message).toContain("/srv is owned by uid 1000, not root");
    expect(error.details.fix).toBe("chown root:root /srv");
    expect(ec2.calls).toEqual([]);
    expect(ec2.instances.get(b.instanceId)!.state).toBe("running");
    expect(nodeA.host.mounts.size).toBe(0);
  });

  it("a mount point replaced by a symbolic link is refused, and nothing is attached or mounted", async () => {
    const { ec2, volume, nodeA } = world();
    nodeA.host.paths.set("/srv/data", { kind: "symlink", target: "/etc" });

    const error = await failure(transition(volume, nodeA.ctx, "acquire"));

    expect(error.kind).toBe("host");
    expect(error.message).toContain("/srv/data is a symbolic link");
    expect(ec2.calls).toEqual([]);
    expect(nodeA.host.calls).toEqual([]);
  });

  it("a mount point that group and others may write is refused, naming the chmod that fixes it", async () => {
    const { ec2, volume, nodeA } = world();
    nodeA.host.paths.set("/srv/data", { kind: "directory", uid: 0, mode: 0o777 });

    const error = await failure(transition(volume, nodeA.ctx, "acquire"));

    expect(error.message).toContain("/srv/data is writable by group and others");
    expect(error.details.fix).toBe("chmod go-w /srv/data");
    expect(ec2.calls).toEqual([]);
  });

  it("release refuses to unmount through a parent another user took over, and the volume stays attached and mounted", async () => {
    const { ec2, volume, nodeA } = world();
    await transition(volume, nodeA.ctx, "acquire");
    ec2.calls.length = 0;
    nodeA.host.calls.length = 0;
    nodeA.host.paths.set("/srv", { kind: "directory", uid: 1000, mode: 0o755 });

    const error = await failure(transition(volume, nodeA.ctx, "release"));

    expect(error.details.fix).toBe("chown root:root /srv");
    expect(nodeA.host.mounts.get("/srv/data")).toMatchObject({ device: blockDevice });
    expect(ec2.calls).toEqual([]);
    expect(ec2.attachmentsOf(volumeId)).toEqual([{ instanceId: a.instanceId, state: "attached" }]);
  });

  it("the root directory of the mounted file system may belong to the service that uses it", async () => {
    const { ec2, volume, nodeA } = world();
    await transition(volume, nodeA.ctx, "acquire");
    // What lstat sees at a mount point is the root of the file system mounted there (postgres's, say).
    nodeA.host.paths.set("/srv/data", { kind: "directory", uid: 999, mode: 0o700 });

    await transition(volume, nodeA.ctx, "release");

    expect(nodeA.host.mounts.size).toBe(0);
    expect(ec2.attachmentsOf(volumeId)).toEqual([]);
  });
});
