import { posix } from "node:path";
import type { ClusterDescription, VolumeSpec } from "./schema";
import type { ConfigProblem } from "../errors";

// Where a volume may be mounted. A mount hides what the directory held and, on release, the
// unmount takes it away again: a volume over a directory the node runs from makes the node unusable
// the moment the failover mounts it, and such a mistake shows only after EC2 has already moved the
// volume. The path must also be written one way only, so that two spellings of one directory
// cannot pass as two mount points, and `umount` and /proc/self/mountinfo see what we wrote.

/** Never a mount point: the system itself lives there, or (for /home) the operators' way in. */
const systemDirectories = new Set([
  "/",
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/sys",
  "/tmp",
  "/usr",
  "/var",
]);

/** Nor anywhere below these: filesystems the kernel, udev or the boot make, with no room for data. */
const systemTrees: [root: string, why: string][] = [
  ["/proc", "the kernel's process filesystem"],
  ["/sys", "the kernel's sysfs"],
  ["/dev", "the device filesystem"],
  ["/run", "a memory filesystem emptied at every boot"],
  ["/boot", "the boot loader's files"],
];

const ownDirectory = "mount the volume on a directory of its own, like /srv/data";

/** The single spelling of an absolute path: no `.`, `..`, repeated or trailing slashes. */
function normalForm(path: string): string {
  const normal = posix.normalize(path);
  // POSIX leaves a leading "//" to the implementation; Linux treats it as "/".
  const single = normal.replace(/^\/+/, "/");
  return single.length > 1 ? single.replace(/\/+$/, "") : single;
}

/** Problems of each mount point alone, then of mount points inside or equal to one another. */
export function mountPointProblems(d: ClusterDescription): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const volumes = d.resources.flatMap((r, i) => (r.kind === "volume" ? [{ spec: r, at: `resources[${i}].mountPoint` }] : []));
  for (const { spec, at } of volumes) problems.push(...singleMountPointProblems(spec, at, d));

  // Sorted, a mount point inside another comes right after it or after others inside it: one pass
  // against the last outer mount point finds every nesting (and every duplicate).
  const sorted = volumes.map((v) => ({ ...v, normal: normalForm(v.spec.mountPoint) })).sort((x, y) => compare(x.normal, y.normal));
  let outer: (typeof sorted)[number] | undefined;
  for (const v of sorted) {
    if (!outer || !(v.normal === outer.normal || isInside(v.normal, outer.normal))) {
      outer = v;
      continue;
    }
    // Named at the one later in the file: the earlier one is where a reader looks first.
    const [first, second] = indexOf(outer.at) < indexOf(v.at) ? [outer, v] : [v, outer];
    const relation = second.normal === first.normal ? "is also" : isInside(second.normal, first.normal) ? "is inside" : "contains";
    problems.push({
      path: second.at,
      message: `${JSON.stringify(second.spec.mountPoint)} ${relation} the mount point of volume ${first.spec.name} (${JSON.stringify(first.spec.mountPoint)}); overlapping mounts hide each other and depend on their order, so give each volume a directory of its own`,
    });
  }
  return problems;
}

function singleMountPointProblems(spec: VolumeSpec, at: string, d: ClusterDescription): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const path = spec.mountPoint;
  if (!path.startsWith("/")) return problems; // the schema has said so already
  const normal = normalForm(path);
  if (normal !== path)
    problems.push({ path: at, message: `${JSON.stringify(path)} is not in normal form; write it as ${JSON.stringify(normal)}` });
  if (systemDirectories.has(normal)) {
    problems.push({
      path: at,
      message: `${JSON.stringify(normal)} is a system directory that the mount would hide from the node; ${ownDirectory}`,
    });
    return problems;
  }
  const tree = systemTrees.find(([root]) => isInside(normal, root));
  if (tree) {
    problems.push({ path: at, message: `${JSON.stringify(normal)} is inside ${tree[0]}, ${tree[1]}; ${ownDirectory}` });
    return problems;
  }
  // aws-ha's own files must stay where the next event looks for them.
  const hidden = Object.entries(d.paths).filter(([, own]) => {
    const ownNormal = normalForm(own);
    return ownNormal === normal || isInside(ownNormal, normal);
  });
  if (hidden.length > 0)
    problems.push({
      path: at,
      message: `${JSON.stringify(normal)} would hide ${hidden.map(([key, own]) => `paths.${key} (${own})`).join(" and ")} while the volume is mounted; ${ownDirectory}`,
    });
  return problems;
}

function isInside(path: string, dir: string): boolean {
  return dir === "/" ? path !== "/" : path.startsWith(`${dir}/`);
}

/** Byte order with "/" first, so that a directory's entries follow it before any sibling like "/srv-old". */
function compare(x: string, y: string): number {
  const key = (s: string) => s.replaceAll("/", "\u0000");
  const [a, b] = [key(x), key(y)];
  return a < b ? -1 : a > b ? 1 : 0;
}

function indexOf(at: string): number {
  return Number(/\[(\d+)\]/.exec(at)![1]);
}
