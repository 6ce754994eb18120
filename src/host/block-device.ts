import { readdir, readFile, realpath } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

// Where an attached EBS volume shows up. On Nitro instances it is an NVMe namespace whose serial is
// the volume id without its dash, named by udev in the by-id directory and by the kernel in sysfs;
// the nvmeXn1 number follows attach order and says nothing about which volume it is. On Xen
// instances it is the attach name, or its xvd form.

export interface DeviceRoots {
  /** Where the kernel lists block devices. */
  sysBlockDir: string;
  /** Where their device nodes are. */
  devDir: string;
}

export const systemRoots: DeviceRoots = { sysBlockDir: "/sys/block", devDir: "/dev" };

/** The NVMe serial EC2 gives a volume: `vol-0123…` → `vol0123…`. */
function nvmeSerialOf(volumeId: string): string {
  return volumeId.replace("-", "");
}

/** The by-id link udev makes for a Nitro EBS volume. */
export function byIdLinkName(volumeId: string): string {
  return `nvme-Amazon_Elastic_Block_Store_${nvmeSerialOf(volumeId)}`;
}

/** The resolved block device of the volume, or undefined while it is not visible on this machine. */
export async function findBlockDevice(
  volumeId: string,
  device: string,
  byIdDir: string,
  roots: DeviceRoots = systemRoots,
): Promise<string | undefined> {
  return (
    (await resolved(join(byIdDir, byIdLinkName(volumeId)))) ??
    (await bySysfsSerial(nvmeSerialOf(volumeId), roots)) ??
    (await firstResolved(xenNamesOf(device)))
  );
}

/** udev may not have made the link yet (or at all, without the EBS rules): ask the kernel. */
async function bySysfsSerial(serial: string, roots: DeviceRoots): Promise<string | undefined> {
  const names = await readdir(roots.sysBlockDir).catch(() => [] as string[]);
  for (const name of names) {
    // nvme1c1n1 and the like are the hidden per-path nodes of multipath; only nvmeXnY is mountable.
    if (!/^nvme\d+n\d+$/.test(name)) continue;
    const found = await readFile(join(roots.sysBlockDir, name, "device", "serial"), "utf8").catch(() => "");
    if (found.trim() === serial) return resolved(join(roots.devDir, name));
  }
  return undefined;
}

/** `/dev/sdf` is `/dev/xvdf` on Xen kernels, and the other way round. */
export function xenNamesOf(device: string): string[] {
  const dir = dirname(device);
  const name = basename(device);
  const sd = /^sd([a-z]+\d*)$/.exec(name);
  const xvd = /^xvd([a-z]+\d*)$/.exec(name);
  if (sd) return [device, join(dir, `xvd${sd[1]}`)];
  if (xvd) return [device, join(dir, `sd${xvd[1]}`)];
  return [device];
}

async function firstResolved(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    const target = await resolved(path);
    if (target) return target;
  }
  return undefined;
}

/** The path with every link followed, or undefined when it (or a link's target) does not exist. */
async function resolved(path: string): Promise<string | undefined> {
  return realpath(path).catch(() => undefined);
}
