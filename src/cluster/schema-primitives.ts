import { isIPv4 } from "node:net";
import { z } from "zod";
import { canonicalAddress, familyOf, networkAddress } from "./ip-addresses";
import { awsIdPattern } from "./id-patterns";

// The building blocks of the description's schema, shared by cluster/schema.ts and each kind's
// fragment (src/kinds/<kind>/schema.ts): apart from the fragments, so that the description, which
// composes the fragments, and the fragments, which use these, do not import each other.

// Addresses are judged by the platform's parser (node:net), never by a pattern of our own.
export const ipv4 = z.string().refine((s) => isIPv4(s), { error: (i) => `${JSON.stringify(i.input)} is not an IPv4 address` });

/** An IPv6 address, kept in the one spelling EC2 answers with (RFC 5952), so that addresses compare as text. */
export const ipv6 = z
  .string()
  .refine((s) => familyOf(s) === "ipv6", { error: (i) => `${JSON.stringify(i.input)} is not an IPv6 address (like 2001:db8::10)` })
  .transform(canonicalAddress);

/** An address of either family; IPv6 in its canonical spelling. */
export const ipAddress = z
  .string()
  .refine((s) => familyOf(s) !== undefined, {
    error: (i) => `${JSON.stringify(i.input)} is not an IP address (IPv4 like 10.0.1.100 or IPv6 like 2001:db8::10)`,
  })
  .transform(canonicalAddress);

/** A VPC CIDR block: /16 to /28 (EC2's bounds), written as its network address. */
export const ipv4Cidr = z.string().refine(
  (s) => {
    const [address, bits, ...rest] = s.split("/");
    const prefix = Number(bits);
    if (rest.length > 0 || !isIPv4(address ?? "") || !/^\d+$/.test(bits ?? "") || prefix < 16 || prefix > 28) return false;
    const size = 2 ** (32 - prefix);
    return address!.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0) % size === 0;
  },
  { error: (i) => `${JSON.stringify(i.input)} is not a VPC CIDR block like 10.0.0.0/16 (a network address, /16 to /28)` },
);

/** A VPC's IPv6 CIDR block: /44 to /64 (an Amazon-provided block is a /56), written as its network address. */
export const ipv6Cidr = z.string().refine(
  (s) => {
    const [address, bits, ...rest] = s.split("/");
    const prefix = Number(bits);
    if (rest.length > 0 || familyOf(address ?? "") !== "ipv6" || !Number.isInteger(prefix) || String(prefix) !== bits) return false;
    return prefix >= 44 && prefix <= 64 && networkAddress(address!, prefix) === canonicalAddress(address!);
  },
  { error: (i) => `${JSON.stringify(i.input)} is not a VPC IPv6 CIDR block like 2001:db8:1234:1a00::/56 (a network address, /44 to /64)` },
);

const awsId = (prefix: string, what: string) =>
  z.string().regex(awsIdPattern(prefix), {
    error: (i) => `${JSON.stringify(i.input)} is not ${what} (like ${prefix}-0123456789abcdef0)`,
  });

export const instanceId = awsId("i", "an instance id");
export const eniId = awsId("eni", "a network interface id");
export const allocationId = awsId("eipalloc", "an Elastic IP allocation id");
export const volumeId = awsId("vol", "a volume id");
export const routeTableId = awsId("rtb", "a route table id");

export const resourceName = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, {
  error: "must be 1-40 characters: lower-case letters, digits and '-', starting with a letter",
});

/** C0 and C1 control characters, DEL included: a NUL cuts a path or argument, a line break splits a config line. */
// eslint-disable-next-line no-control-regex
export const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;

export const absolutePath = z
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
  /** EC2's limit of IPv6 CIDR blocks per VPC. */
  vpcIpv6Cidrs: 5,
  /** Network interfaces of one node: above the most ENIs any instance type takes. */
  nodeInterfaces: 64,
} as const;

export const atMost = <T extends z.ZodType>(item: T, max: number, what: string, advice = "") =>
  z.array(item).max(max, { error: (i) => `at most ${max} ${what}, found ${(i.input as unknown[]).length}${advice}` });

/** A Linux network interface name (IFNAMSIZ leaves 15 characters), as `ip link` shows it. */
export const interfaceName = z.string().regex(/^[A-Za-z0-9_.:-]{1,15}$/, { error: "must be a Linux interface name" });

export const seconds = (max: number) => z.number().positive().max(max);

export const releaseFlag = z.boolean().default(false).describe("give the resource up on release, but only while this node still holds it");

/** An IAM role's ARN, in any of the partitions EC2 runs in: arn:aws:iam::123456789012:role/path/name. */
export const roleArn = z.string().regex(/^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/([\x21-\x7e]+\/)?[\w+=,.@-]{1,64}$/, {
  error: (i) =>
    `${JSON.stringify(i.input)} is not an IAM role ARN (arn:aws:iam::123456789012:role/name; arn:aws-cn or arn:aws-us-gov in those partitions)`,
});

/** What STS accepts as an external id: 2-1224 characters of letters, digits and +=,.@:/- . */
export const externalId = z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, {
  error: "must be 2-1224 characters: letters, digits, '_' and any of + = , . @ : / -",
});

/**
 * A role to assume for resources in another account (a shared VPC's route tables, a DNS account's
 * hosted zone): the credentials come from STS AssumeRole, the node's own credentials the source.
 */
export const assumeRole = z.strictObject({
  roleArn,
  /** The external id the role's trust policy asks for (its sts:ExternalId condition), if any. */
  externalId: externalId.optional(),
});
