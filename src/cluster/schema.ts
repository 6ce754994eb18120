import { z } from "zod";
import { eipFragment } from "../kinds/eip/schema";
import { hookFragment } from "../kinds/hook/schema";
import { routeFragment } from "../kinds/route/schema";
import { serviceFragment } from "../kinds/service/schema";
import { vipFragment } from "../kinds/vip/schema";
import { volumeFragment } from "../kinds/volume/schema";
import { eniFragment } from "../kinds/eni/schema";
import { recordFragment } from "../kinds/record/schema";
import { absolutePath, atMost, descriptionLimits, eniId, instanceId, ipv4, ipv4Cidr, resourceName, seconds } from "./schema-primitives";
import { ipv6, ipv6Cidr } from "./schema-primitives";
import { interfaceName } from "./schema-primitives";
import { assumeRole } from "./schema-primitives";
import { regionPattern } from "./id-patterns";

// The cluster description: one file read by every command. Strict objects everywhere, so a typo in a
// key is an error naming the key instead of a setting silently ignored on a production node.

// Read by the ports and the front ends that take an address or id from elsewhere (IMDS, argv), and
// the spec types the generator and the front ends name.
export { eniId, instanceId, ipv4 } from "./schema-primitives";
export type { EipSpec } from "../kinds/eip/schema";
export type { VipSpec } from "../kinds/vip/schema";
export type { VolumeSpec } from "../kinds/volume/schema";

/**
 * One network interface of a node. The first interface of a node is the one the daemons talk over:
 * it carries the node's `address`, and a resource that names no interface uses it.
 */
const nodeInterfaceSchema = z.strictObject({
  /** The Linux interface name, as `ip link` shows it (eth1, ens6). */
  name: interfaceName,
  /**
   * The ENI behind it. When omitted: for the first interface, the instance's primary ENI as IMDS
   * names it; for any other, the ENI IMDS names for the interface's MAC address, read at run time.
   */
  networkInterfaceId: eniId.optional(),
  /** Its own private IPv4 (for the first interface, the node's `address`): a vip on it must be in its subnet. */
  address: ipv4.optional(),
  /** Its own IPv6 address, for IPv6 vips on it (for the first interface, the node's `address6`). */
  address6: ipv6.optional(),
});

export type NodeInterface = z.infer<typeof nodeInterfaceSchema>;

/** The first interface's settings given both on the node and in its interfaces[0]: where they must agree. */
const firstInterfaceFields = [
  ["interface", "name"],
  ["networkInterfaceId", "networkInterfaceId"],
  ["address", "address"],
  ["address6", "address6"],
] as const;

// A node has one interface, described by `interface`, `networkInterfaceId`, `address` and
// `address6` as before; or several, listed in `interfaces`, the first of which is that same
// interface (its fields may be given in either place, not differently in both). Parsed, every
// node has both: the first interface's fields on the node, and the whole list in `interfaces`.
const nodeSchema = z
  .strictObject({
    /** As `uname -n` prints it: Heartbeat and keepalived's router_id use it. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { error: "must be a host name as `uname -n` prints it" }),
    /** The private IPv4 the daemons talk over (unicast VRRP, Heartbeat ucast), on the first interface. */
    address: ipv4,
    instanceId,
    /** The Linux interface that carries `address` (and, unless they name another, the VIPs); eth0 when omitted. */
    interface: interfaceName.optional(),
    /**
     * The node's own IPv6 address on `interface`, when its subnet has an IPv6 CIDR: an IPv6 VIP moves
     * only between ENIs of one subnet, judged by these addresses as IPv4 VIPs are by `address`.
     */
    address6: ipv6.optional(),
    /** The ENI behind `interface`; read from IMDS when omitted. */
    networkInterfaceId: eniId.optional(),
    /** VRRP priority 1-254; the highest wins an election. Heartbeat's preferred node is the highest. */
    priority: z.number().int().min(1).max(254),
    /**
     * Every interface of the node that a resource uses, the first one first (the one above). A vip,
     * eip or route names another by `interface: eth1`; list its `address` for a vip's subnet check.
     */
    interfaces: atMost(nodeInterfaceSchema, descriptionLimits.nodeInterfaces, "interfaces").min(1).optional(),
  })
  .superRefine((node, ctx) => {
    const first = node.interfaces?.[0];
    if (!first) return;
    for (const [onNode, inList] of firstInterfaceFields) {
      const given = node[onNode];
      const listed = first[inList];
      if (given !== undefined && listed !== undefined && given !== listed)
        ctx.addIssue({
          code: "custom",
          path: ["interfaces", 0, inList],
          message: `${JSON.stringify(listed)} differs from the node's ${onNode} (${JSON.stringify(given)}): interfaces[0] is the node's first interface; give its ${inList} once`,
        });
    }
  })
  .transform((node) => {
    const first = node.interfaces?.[0];
    const name = first?.name ?? node.interface ?? "eth0";
    const networkInterfaceId = node.networkInterfaceId ?? first?.networkInterfaceId;
    const address6 = node.address6 ?? first?.address6;
    const firstInterface: NodeInterface = {
      name,
      address: node.address,
      ...(networkInterfaceId !== undefined ? { networkInterfaceId } : {}),
      ...(address6 !== undefined ? { address6 } : {}),
    };
    return {
      ...node,
      interface: name,
      ...(networkInterfaceId !== undefined ? { networkInterfaceId } : {}),
      ...(address6 !== undefined ? { address6 } : {}),
      interfaces: [firstInterface, ...(node.interfaces?.slice(1) ?? [])],
    };
  });

/**
 * Each kind's part of the description, from its folder under src/kinds/, in the order the error for
 * an unknown kind lists them. src/kinds/registry.ts lists the same kinds with what they do.
 */
export const resourceFragments = [
  vipFragment,
  eipFragment,
  routeFragment,
  volumeFragment,
  serviceFragment,
  hookFragment,
  eniFragment,
  recordFragment,
] as const;

// zod's union wants a tuple of the schemas: mapped from the fragments, it keeps their order and types.
type SchemasOf<F extends readonly { schema: unknown }[]> = { -readonly [I in keyof F]: F[I]["schema"] };
const kindSchemas = resourceFragments.map((f) => f.schema) as unknown as SchemasOf<typeof resourceFragments>;

export const resourceSchema = z.discriminatedUnion("kind", kindSchemas);

const healthCheckSchema = z.strictObject({
  /** argv of a command that exits 0 while this node can serve. */
  command: atMost(z.string(), descriptionLimits.argv, "words").min(1),
  interval: z.number().int().min(1).max(3600).default(2),
  timeout: z.number().int().min(1).max(3600).default(2),
  fall: z.number().int().min(1).max(255).default(2),
  rise: z.number().int().min(1).max(255).default(2),
  /** 0 puts the instance in FAULT on failure; negative lowers the priority by that much. */
  weight: z.number().int().min(-253).max(253).default(0),
});

const keepalivedSchema = z.strictObject({
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
  /**
   * Seconds between the FIFO reader's checks, while this node is master, that it still holds every
   * resource; what drifted (an Elastic IP moved by hand, a route replaced) it takes back. 0: off.
   */
  driftRepair: z.number().min(0).max(86400).default(30),
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
  /**
   * Stop a node that did not hand over: when this node acquires and another node of the cluster
   * still holds what its own release would have given back (an attached volume or ENI, or a vip,
   * eip or route with `release: true`), that node is stopped (StopInstances with Force) and
   * confirmed `stopped`. Vips, Elastic IPs and routes move at once meanwhile; volumes and ENIs wait
   * for the stop. Off by default.
   */
  stopPeerOnTakeover: z.boolean().default(false),
  /**
   * With stopPeerOnTakeover, how many seconds apart the nodes' turns to stop a peer are, by priority:
   * the highest waits none, the next this long, the next twice as long (with a volume or ENI in the
   * description, each one turn later, to see a slow release finish); each looks again before it
   * stops anyone, so two nodes that both became master do not stop each other.
   */
  stopPeerDelay: seconds(600).default(10),
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
  /** How long a whole ENI (kind eni) may take to attach, detach or appear as an interface here; 60 s when omitted. */
  eni: seconds(3600).optional(),
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
  /** The journal of transitions (`aws-ha-notify history`) and the metrics' counters; created 0755. */
  historyDir: absolutePath.default("/var/lib/aws-ha"),
});

export const metricsSchema = z.strictObject({
  /**
   * node_exporter's textfile collector directory (its --collector.textfile.directory), where each
   * transition leaves aws-ha-CLUSTER.prom; it must exist. Without it no textfile is written.
   */
  textfileDir: absolutePath.optional(),
});

export const clusterDescriptionSchema = z.strictObject({
  cluster: resourceName,
  /** Which daemon drives the transitions; keepalived adds the VIPs to the interface itself. */
  manager: z.enum(["keepalived", "heartbeat", "pacemaker"]).default("keepalived"),
  /** AWS region; read from IMDS when omitted. */
  region: z.string().regex(regionPattern, { error: "must be an AWS region like eu-west-1" }).optional(),
  nodes: atMost(nodeSchema, descriptionLimits.nodes, "nodes"),
  resources: atMost(resourceSchema, descriptionLimits.resources, "resources", "; split the cluster"),
  /**
   * The VPC's IPv4 CIDR blocks: an overlay route must lie outside them. Without them the VPC is
   * taken to be the /16 around each node's address.
   */
  vpcCidrs: atMost(ipv4Cidr, descriptionLimits.vpcCidrs, "CIDR blocks").min(1).optional(),
  /**
   * The VPC's IPv6 CIDR blocks: an IPv6 overlay route must lie outside them. Without them the VPC
   * is taken to be the /56 around each node's address6.
   */
  vpcIpv6Cidrs: atMost(ipv6Cidr, descriptionLimits.vpcIpv6Cidrs, "IPv6 CIDR blocks").min(1).optional(),
  keepalived: keepalivedSchema.optional(),
  heartbeat: heartbeatSchema.optional(),
  fencing: fencingSchema.default(fencingSchema.parse({})),
  timeouts: timeoutsSchema.default(timeoutsSchema.parse({})),
  paths: pathsSchema.default(pathsSchema.parse({})),
  /** Prometheus metrics after each transition; off unless textfileDir is set. */
  metrics: metricsSchema.optional(),
  /**
   * A role every AWS resource of the cluster (vip, eip, route, volume, eni, record) acts as, unless
   * it names its own: the resources of a shared VPC or another account. Without it, the node's own
   * credentials act.
   */
  assumeRole: assumeRole.optional(),
});

export type ClusterDescription = z.infer<typeof clusterDescriptionSchema>;
export type ClusterNode = z.infer<typeof nodeSchema>;
export type ResourceSpec = z.infer<typeof resourceSchema>;
export type ResourceKind = ResourceSpec["kind"];
