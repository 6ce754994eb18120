import { z } from "zod";

// The cluster description: one file read by every command. Strict objects everywhere, so a typo in a
// key is an error naming the key instead of a setting silently ignored on a production node.

const ipv4Pattern = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
export const ipv4 = z.string().refine((s) => ipv4Pattern.test(s), { error: (i) => `${JSON.stringify(i.input)} is not an IPv4 address` });

/** A VPC CIDR block: /16 to /28 (EC2's bounds), written as its network address. */
export const ipv4Cidr = z.string().refine(
  (s) => {
    const [address, bits, ...rest] = s.split("/");
    const prefix = Number(bits);
    if (rest.length > 0 || !ipv4Pattern.test(address ?? "") || !/^\d+$/.test(bits ?? "") || prefix < 16 || prefix > 28) return false;
    const size = 2 ** (32 - prefix);
    return address!.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0) % size === 0;
  },
  { error: (i) => `${JSON.stringify(i.input)} is not a VPC CIDR block like 10.0.0.0/16 (a network address, /16 to /28)` },
);

const awsId = (prefix: string, what: string) =>
  z.string().regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), {
    error: (i) => `${JSON.stringify(i.input)} is not ${what} (like ${prefix}-0123456789abcdef0)`,
  });

export const instanceId = awsId("i", "an instance id");
export const eniId = awsId("eni", "a network interface id");
export const allocationId = awsId("eipalloc", "an Elastic IP allocation id");
export const volumeId = awsId("vol", "a volume id");
export const routeTableId = awsId("rtb", "a route table id");

const resourceName = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, {
  error: "must be 1-40 characters: lower-case letters, digits and '-', starting with a letter",
});

/** C0 and C1 control characters, DEL included: a NUL cuts a path or argument, a line break splits a config line. */
// eslint-disable-next-line no-control-regex
export const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;

const absolutePath = z
  .string()
  .refine((s) => s.startsWith("/"), { error: (i) => `${JSON.stringify(i.input)} must be an absolute path` })
  .refine((s) => !controlCharacter.test(s), { error: (i) => `${JSON.stringify(i.input)} contains a control character` });

// Bounds on what one description may hold, so that a mistaken or hostile file cannot make loading
// slow or a failover long. Each is far above what a cluster needs.
export const descriptionLimits = {
  /** Corosync's supported maximum; keepalived sends every advert to every peer. */
  nodes: 32,
  /** Each is inspected and moved on every failover. */
  resources: 256,
  /** One ReplaceRoute each per failover. */
  routeTables: 64,
  /** Words of one hook or health check command. */
  argv: 64,
  mountOptions: 32,
  /** EC2's hard limit of IPv4 CIDR blocks per VPC. */
  vpcCidrs: 50,
} as const;

const atMost = <T extends z.ZodType>(item: T, max: number, what: string, advice = "") =>
  z.array(item).max(max, { error: (i) => `at most ${max} ${what}, found ${(i.input as unknown[]).length}${advice}` });

const seconds = (max: number) => z.number().positive().max(max);

export const nodeSchema = z.strictObject({
  /** As `uname -n` prints it: Heartbeat and keepalived's router_id use it. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { error: "must be a host name as `uname -n` prints it" }),
  /** The private IPv4 the daemons talk over (unicast VRRP, Heartbeat ucast). */
  address: ipv4,
  instanceId,
  /** The Linux interface that carries `address` (and the VIPs). */
  interface: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,15}$/, { error: "must be a Linux interface name" })
    .default("eth0"),
  /** The ENI behind `interface`; read from IMDS when omitted. */
  networkInterfaceId: eniId.optional(),
  /** VRRP priority 1-254; the highest wins an election. Heartbeat's preferred node is the highest. */
  priority: z.number().int().min(1).max(254),
});

const releaseFlag = z.boolean().default(false).describe("give the resource up on release, but only while this node still holds it");

export const vipSchema = z.strictObject({
  kind: z.literal("vip"),
  name: resourceName,
  address: ipv4,
  prefix: z.number().int().min(1).max(32).default(24),
  release: releaseFlag,
});

export const eipSchema = z.strictObject({
  kind: z.literal("eip"),
  name: resourceName,
  allocationId,
  publicIp: ipv4.optional(),
  /** The private address the EIP points at: a declared VIP, or omitted for each node's own address. */
  privateAddress: ipv4.optional(),
  release: releaseFlag,
});

export const routeSchema = z.strictObject({
  kind: z.literal("route"),
  name: resourceName,
  /** The overlay IP, outside the VPC CIDR; routed as a /32. */
  address: ipv4,
  routeTables: atMost(routeTableId, descriptionLimits.routeTables, "route tables").min(1),
  release: releaseFlag,
});

export const volumeSchema = z.strictObject({
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
});

export const serviceSchema = z
  .strictObject({
    kind: z.literal("service"),
    name: resourceName,
    /** A systemd unit, e.g. postgresql.service. */
    unit: z
      .string()
      .regex(/^[A-Za-z0-9@_.:-]+\.(service|target)$/, { error: "must be a systemd unit like nginx.service" })
      .optional(),
    /** Or an init script, e.g. /etc/init.d/postgresql. */
    initScript: absolutePath.optional(),
  })
  .refine((s) => (s.unit === undefined) !== (s.initScript === undefined), {
    error: "give exactly one of unit or initScript",
  });

export const hookSchema = z
  .strictObject({
    kind: z.literal("hook"),
    name: resourceName,
    /** Run on acquire, after every other resource and before services. argv form, no shell. */
    acquire: atMost(z.string(), descriptionLimits.argv, "words").min(1).optional(),
    /** Run on release, after services stop and before any other resource is released. */
    release: atMost(z.string(), descriptionLimits.argv, "words").min(1).optional(),
    timeout: seconds(600).default(30),
  })
  .refine((h) => h.acquire !== undefined || h.release !== undefined, { error: "give acquire, release or both" });

export const resourceSchema = z.discriminatedUnion("kind", [vipSchema, eipSchema, routeSchema, volumeSchema, serviceSchema, hookSchema]);

export const healthCheckSchema = z.strictObject({
  /** argv of a command that exits 0 while this node can serve. */
  command: atMost(z.string(), descriptionLimits.argv, "words").min(1),
  interval: z.number().int().min(1).max(3600).default(2),
  timeout: z.number().int().min(1).max(3600).default(2),
  fall: z.number().int().min(1).max(255).default(2),
  rise: z.number().int().min(1).max(255).default(2),
  /** 0 puts the instance in FAULT on failure; negative lowers the priority by that much. */
  weight: z.number().int().min(-253).max(253).default(0),
});

export const keepalivedSchema = z.strictObject({
  virtualRouterId: z.number().int().min(1).max(255),
  vrrpVersion: z.union([z.literal(2), z.literal(3)]).default(2),
  /** Seconds between adverts: whole seconds for VRRPv2, 0.01 steps up to 40.95 for VRRPv3. */
  advertInterval: z.number().positive().default(1),
  /** false: a recovered node stays backup (nopreempt; every node starts BACKUP). */
  preempt: z.boolean().default(false),
  /** VRRPv2 PASS authentication; at most 8 characters are used by keepalived. Generated when omitted. */
  authPass: z.string().optional(),
  /** Deliver events through keepalived's notify FIFO (in order) instead of one process per event. */
  notifyFifo: z.boolean().default(true),
  scriptUser: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]*$/)
    .default("root"),
  healthCheck: healthCheckSchema.optional(),
});

export const heartbeatSchema = z.strictObject({
  keepalive: z.number().positive().default(1),
  warntime: z.number().positive().default(5),
  deadtime: z.number().positive().default(10),
  initdead: z.number().positive().default(30),
  udpPort: z.number().int().min(1).max(65535).default(694),
  autoFailback: z.boolean().default(true),
  /** sha1 key for authkeys; generated when omitted. */
  authKey: z.string().optional(),
});

export const fencingSchema = z.strictObject({
  /** Stop a peer that will not release a volume (StopInstances with Force). */
  enabled: z.boolean().default(false),
  /** How long a peer may keep a volume attached before it is fenced (or the transition fails). */
  peerReleaseTimeout: seconds(3600).default(30),
  /** How long to wait for a fenced peer to reach `stopped`. */
  stopTimeout: seconds(3600).default(120),
});

export const timeoutsSchema = z.strictObject({
  /** Deadline for a whole transition. */
  transition: seconds(3600).default(120),
  /** Per EC2 request. */
  request: seconds(120).default(5),
  /** TCP connect to EC2 or IMDS. */
  connect: seconds(30).default(1),
  /** Per IMDS request. */
  metadata: seconds(30).default(1),
  /** How long a volume may take to attach, detach or show its block device. */
  volume: seconds(3600).default(60),
});

export const pathsSchema = z.strictObject({
  /** Where aws-ha-notify is installed on the nodes (keepalived and Heartbeat call it there). */
  notify: absolutePath.default("/usr/local/bin/aws-ha-notify"),
  updateeip: absolutePath.default("/usr/local/bin/aws-ha-updateeip"),
  /** The lock and the state of the newest event. */
  runDir: absolutePath.default("/run/aws-ha"),
  /** Where udev keeps the by-id links of block devices. */
  byIdDir: absolutePath.default("/dev/disk/by-id"),
  /** Heartbeat's configuration directory. */
  haDir: absolutePath.default("/etc/ha.d"),
});

export const clusterDescriptionSchema = z.strictObject({
  cluster: resourceName,
  /** Which daemon drives the transitions; keepalived adds the VIPs to the interface itself. */
  manager: z.enum(["keepalived", "heartbeat", "pacemaker"]).default("keepalived"),
  /** AWS region; read from IMDS when omitted. */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "must be an AWS region like eu-west-1" })
    .optional(),
  nodes: atMost(nodeSchema, descriptionLimits.nodes, "nodes"),
  resources: atMost(resourceSchema, descriptionLimits.resources, "resources", "; split the cluster"),
  /**
   * The VPC's IPv4 CIDR blocks: an overlay route must lie outside them. Without them the VPC is
   * taken to be the /16 around each node's address.
   */
  vpcCidrs: atMost(ipv4Cidr, descriptionLimits.vpcCidrs, "CIDR blocks").min(1).optional(),
  keepalived: keepalivedSchema.optional(),
  heartbeat: heartbeatSchema.optional(),
  fencing: fencingSchema.default(fencingSchema.parse({})),
  timeouts: timeoutsSchema.default(timeoutsSchema.parse({})),
  paths: pathsSchema.default(pathsSchema.parse({})),
});

export type ClusterDescription = z.infer<typeof clusterDescriptionSchema>;
export type ClusterNode = z.infer<typeof nodeSchema>;
export type ResourceSpec = z.infer<typeof resourceSchema>;
export type VipSpec = z.infer<typeof vipSchema>;
export type EipSpec = z.infer<typeof eipSchema>;
export type RouteSpec = z.infer<typeof routeSchema>;
export type VolumeSpec = z.infer<typeof volumeSchema>;
export type ServiceSpec = z.infer<typeof serviceSchema>;
export type HookSpec = z.infer<typeof hookSchema>;
export type ResourceKind = ResourceSpec["kind"];
export const resourceKinds: readonly ResourceKind[] = ["vip", "eip", "route", "volume", "service", "hook"];
