import type { WorldSnapshot } from "../ec2-standin/snapshot";

// What IMDS shows one instance, computed from EC2's current world on every request, so an address
// that moved to or from the instance's interface shows at once in local-ipv4s. (On EC2 the
// change reaches IMDS asynchronously, a little later.) Paths are relative to /latest/.

export type Metadata = ReadonlyMap<string, string>;

export function metadataOf(world: WorldSnapshot, instanceId: string): Metadata | undefined {
  const instance = world.instances.find((i) => i.instanceId === instanceId);
  if (!instance) return undefined;
  const interfaces = world.interfaces.filter((e) => e.instanceId === instanceId).sort((a, b) => a.deviceIndex - b.deviceIndex);
  const primary = interfaces[0];
  const hostname = (ip: string) => `ip-${ip.replace(/\./g, "-")}.${world.region}.compute.internal`;
  const publicIpsOf = (eniId: string) => world.addresses.filter((a) => a.networkInterfaceId === eniId);
  const m = new Map<string, string>();
  const md = (path: string, value: string) => m.set(`meta-data/${path}`, value);

  md("ami-id", "ami-0standin00000000001");
  md("instance-id", instanceId);
  md("instance-type", "t3.small");
  md("placement/region", world.region);
  md("placement/availability-zone", instance.availabilityZone);
  md("services/domain", "amazonaws.com");
  if (primary) {
    const ip = primary.privateIps[0]!;
    md("mac", primary.macAddress);
    md("local-ipv4", ip);
    md("hostname", hostname(ip));
    md("local-hostname", hostname(ip));
    const publicIp = publicIpsOf(primary.networkInterfaceId).find((a) => a.privateIp === ip)?.publicIp;
    if (publicIp) md("public-ipv4", publicIp);
  }
  for (const eni of interfaces) {
    const base = `network/interfaces/macs/${eni.macAddress}`;
    const subnet = world.subnets.find((s) => s.subnetId === eni.subnetId);
    md(`${base}/mac`, eni.macAddress);
    md(`${base}/device-number`, String(eni.deviceIndex));
    md(`${base}/interface-id`, eni.networkInterfaceId);
    md(`${base}/local-ipv4s`, eni.privateIps.join("\n"));
    md(`${base}/local-hostname`, hostname(eni.privateIps[0]!));
    md(`${base}/owner-id`, world.accountId);
    md(`${base}/subnet-id`, eni.subnetId);
    if (subnet) {
      md(`${base}/vpc-id`, subnet.vpcId);
      md(`${base}/subnet-ipv4-cidr-block`, subnet.cidr);
    }
    const eips = publicIpsOf(eni.networkInterfaceId);
    if (eips.length > 0) md(`${base}/public-ipv4s`, eips.map((a) => a.publicIp).join("\n"));
    for (const eip of eips) md(`${base}/ipv4-associations/${eip.publicIp}`, eip.privateIp ?? "");
  }
  m.set(
    "dynamic/instance-identity/document",
    JSON.stringify(
      {
        accountId: world.accountId,
        architecture: "x86_64",
        availabilityZone: instance.availabilityZone,
        imageId: "ami-0standin00000000001",
        instanceId,
        instanceType: "t3.small",
        privateIp: primary?.privateIps[0],
        region: world.region,
        version: "2017-09-30",
      },
      null,
      2,
    ),
  );
  return m;
}

/**
 * A leaf's value, or a directory's listing (one entry a line, sub-directories ending in "/"), or
 * undefined for a path IMDS does not have.
 */
export function lookup(metadata: Metadata, path: string): string | undefined {
  const clean = path.replace(/^\/+|\/+$/g, "");
  const leaf = metadata.get(clean);
  if (leaf !== undefined) return leaf;
  const prefix = clean === "" ? "" : `${clean}/`;
  const entries = new Set<string>();
  for (const key of metadata.keys()) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf("/");
    entries.add(slash < 0 ? rest : rest.slice(0, slash + 1));
  }
  return entries.size > 0 ? [...entries].join("\n") : undefined;
}
