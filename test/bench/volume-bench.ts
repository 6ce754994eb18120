import { mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { rootOnlyTempDir } from "../integration/support/mount-point-dir";
import { byIdLinkName } from "../../src/host/block-device";
import type { BenchCloud } from "./bench-cloud";
import { nodeA, volumeId, worldHeldByB, writeVolumeCluster } from "./bench-cluster";
import { command, LoopDevice } from "./loop-device";
import { cleanEnv, expectSuccess, timedRun, unmeasuredRuns } from "./timed-process";

// Figure 4: how long after EC2 finished attaching the volume the transition was done. EBS takes
// its time to attach (here 1 s); what aws-ha adds on top is how late its polling notices, finding
// the block device and mounting it. The volume is free when the run starts (node B released it);
// its by-id link appears, pointing at a loop device with ext4 on it, the moment the stand-in
// reports it attached, as udev does; the mount is real, fsck is off.

export type VolumeFigures =
  | { skipped: string }
  | {
      /** Attach completed → notify process exited. */
      afterAttach: number[];
      /** Spawn → exit. */
      total: number[];
      attachMs: number;
    };

export async function benchVolume(
  cloud: BenchCloud,
  workDir: string,
  notifyBin: string,
  runs: number,
  attachMs: number,
): Promise<VolumeFigures> {
  const loop = LoopDevice.create(workDir);
  if (typeof loop === "string") return { skipped: loop };
  // aws-ha refuses a mount point below a directory others may write (such as /tmp).
  const mountRoot = rootOnlyTempDir("aws-ha-bench-");
  const mountPoint = join(mountRoot, "mnt");
  const byIdDir = join(workDir, "by-id");
  const runDir = join(workDir, "run");
  const link = join(byIdDir, byIdLinkName(volumeId));
  mkdirSync(mountPoint, { recursive: true });
  mkdirSync(byIdDir, { recursive: true });
  const cluster = writeVolumeCluster(workDir, { runDir, byIdDir, mountPoint });
  const spec = worldHeldByB(cluster.description, { attachMs });
  const afterAttach: number[] = [];
  const total: number[] = [];
  try {
    for (let i = 0; i < unmeasuredRuns + runs; i++) {
      rmSync(link, { force: true });
      rmSync(runDir, { recursive: true, force: true });
      const server = await cloud.reset(spec);
      let attachedAt: number | undefined;
      server.world.events.on("attached", (e) => {
        if (e.instanceId !== nodeA.instanceId) return;
        attachedAt = Date.now();
        symlinkSync(loop.device, link);
      });
      const run = expectSuccess(
        await timedRun([process.execPath, notifyBin, "master", "--cluster", cluster.file], {
          env: cleanEnv(cloud.nodeEnv()),
          timeoutMs: 60_000,
        }),
        "aws-ha-notify master (volume)",
      );
      if (!mounted(mountPoint, loop.device)) throw new Error(`after the run ${loop.device} is not mounted on ${mountPoint}`);
      const problem = command(["umount", mountPoint]);
      if (problem) throw new Error(problem);
      if (attachedAt === undefined) throw new Error("the stand-in never reported the volume attached");
      if (i >= unmeasuredRuns) {
        afterAttach.push(run.endedAt - attachedAt);
        total.push(run.ms);
      }
    }
  } finally {
    if (mounted(mountPoint, loop.device)) command(["umount", mountPoint]);
    rmSync(link, { force: true });
    rmSync(mountRoot, { recursive: true, force: true });
    loop.destroy();
  }
  return { afterAttach, total, attachMs };
}

function mounted(mountPoint: string, device: string): boolean {
  // mountinfo: … mount-point … - fstype source options
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .some((line) => line.split(" ")[4] === mountPoint && line.split(" - ")[1]?.split(" ")[1] === device);
}
