import { z } from "zod";
import { firstDuplicates } from "../../cluster/duplicates";
import { mountPointProblems } from "../../cluster/mount-points";
import type { Placed, ResourceFragment } from "../../cluster/resource-fragment";
import { absolutePath, atMost, descriptionLimits, resourceName, volumeId } from "../../cluster/schema-primitives";
import { assumeRole } from "../../cluster/schema-primitives";
import type { ConfigProblem } from "../../errors";

const volumeSchema = z.strictObject({
  kind: z.literal("volume"),
  name: resourceName,
  volumeId,
  /** The device name given to AttachVolume (Xen sees it as /dev/xvdX; Nitro ignores it). */
  device: z
    .string()
    .regex(/^\/dev\/(sd[f-p]|xvd[f-p])$/, { error: "must be /dev/sdf … /dev/sdp (or /dev/xvdf …)" })
    .default("/dev/sdf"),
  mountPoint: absolutePath,
  fsType: z.enum(["ext4", "xfs", "ext3", "btrfs"]).default("ext4"),
  mountOptions: atMost(z.string().regex(/^[A-Za-z0-9_=.,-]+$/), descriptionLimits.mountOptions, "mount options").default([]),
  fsck: z.boolean().default(true),
  /** Kill the processes that keep the mount busy on release instead of failing. */
  killHolders: z.boolean().default(false),
  /** The role to act as for this resource, instead of the cluster's assumeRole (or the node's own credentials). */
  assumeRole: assumeRole.optional(),
});

export type VolumeSpec = z.infer<typeof volumeSchema>;

export const volumeFragment: ResourceFragment<typeof volumeSchema> = {
  schema: volumeSchema,
  problems: (d, volumes) => [
    ...deviceSlotProblems(volumes),
    // Mount points are compared in their normal form there.
    ...mountPointProblems(d),
    ...firstDuplicates(volumes.map((v) => v.spec.volumeId)).map((i) => ({
      path: `${volumes[i]!.at}.volumeId`,
      message: `${JSON.stringify(volumes[i]!.spec.volumeId)} appears in two resources; each may be managed once`,
    })),
  ],
};

/**
 * EC2 attaches each volume at a device name, and /dev/sdX and /dev/xvdX are one slot: two volumes
 * in one slot make the second attachment fail after the first volume has already moved.
 */
function deviceSlotProblems(volumes: readonly Placed<VolumeSpec>[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const bySlot = new Map<string, { name: string; device: string; at: string }>();
  for (const { spec, at } of volumes) {
    const slot = spec.device.replace(/^\/dev\/(sd|xvd)/, "");
    const other = bySlot.get(slot);
    if (!other) {
      bySlot.set(slot, { name: spec.name, device: spec.device, at });
      continue;
    }
    const defaulted = spec.device === "/dev/sdf" ? " (the default when device is omitted)" : "";
    const same = other.device === spec.device ? "is also the device of" : `is the same attachment slot as ${other.device} of`;
    problems.push({
      path: `${at}.device`,
      message: `${spec.device}${defaulted} ${same} volume ${other.name} (${other.at}); give each volume its own letter, /dev/sdf … /dev/sdp`,
    });
  }
  return problems;
}
