import { BlockList, SocketAddress, isIPv4, isIPv6 } from "node:net";

// Addresses of either family, judged by the platform (node:net) rather than by patterns: what the
// kernel and EC2 accept is what Node's parser accepts, zone ids and IPv4-mapped forms included.

export type AddressFamily = "ipv4" | "ipv6";

/** The family of `address`, or undefined when it is neither an IPv4 nor an IPv6 address. */
export function familyOf(address: string): AddressFamily | undefined {
  if (isIPv4(address)) return "ipv4";
  // A zone id ("fe80::1%eth0") names an interface of one machine: never an address that moves.
  if (isIPv6(address) && !address.includes("%")) return "ipv6";
  return undefined;
}

export const bitsOf = (family: AddressFamily): number => (family === "ipv4" ? 32 : 128);

/**
 * The one spelling of an IPv6 address (RFC 5952: lower case, the longest run of zeros folded) that
 * EC2 answers with and the kernel prints, so that addresses compare as strings. IPv4 stays as given.
 */
export function canonicalAddress(address: string): string {
  const family = familyOf(address);
  return family === "ipv6" ? new SocketAddress({ address, family }).address : address;
}

/** Whether `a` and `b` are in the same /prefix; addresses of different families never are. */
export function sameNetwork(a: string, b: string, prefix: number): boolean {
  const family = familyOf(a);
  if (family === undefined || family !== familyOf(b)) return false;
  const block = new BlockList();
  block.addSubnet(a, prefix, family);
  return block.check(b, family);
}

/** Whether `address` is inside the CIDR block `cidr` ("10.0.0.0/16", "2001:db8::/56"). */
export function cidrContains(cidr: string, address: string): boolean {
  const [network, bits] = cidr.split("/");
  return network !== undefined && sameNetwork(network, address, Number(bits));
}

/** The network address of the /prefix around `address`, e.g. 10.0.1.0 for 10.0.1.100/24. */
export function networkAddress(address: string, prefix: number): string {
  const family = familyOf(address);
  if (family === "ipv4") {
    const n = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
    const size = 2 ** (32 - prefix);
    const base = Math.floor(n / size) * size;
    return [24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join(".");
  }
  if (family === "ipv6") {
    const words = expandIpv6(address);
    const masked = words.map((word, i) => {
      const keep = Math.max(0, Math.min(16, prefix - i * 16));
      return keep === 0 ? 0 : word & (0xffff << (16 - keep)) & 0xffff;
    });
    return canonicalAddress(masked.map((w) => w.toString(16)).join(":"));
  }
  throw new Error(`not an IP address: ${address}`);
}

/** The eight 16-bit words of an IPv6 address (the platform's canonical form, unfolded). */
function expandIpv6(address: string): number[] {
  const canonical = canonicalAddress(address);
  const [head, tail] = canonical.includes("::") ? canonical.split("::") : [canonical, undefined];
  const words = (part: string | undefined) => (part ? part.split(":") : []);
  const toNumbers = (parts: string[]) =>
    parts.flatMap((p) => {
      // An embedded IPv4 tail (::ffff:10.0.0.1) is two words.
      if (isIPv4(p)) {
        const [a, b, c, d] = p.split(".").map(Number) as [number, number, number, number];
        return [a * 256 + b, c * 256 + d];
      }
      return [parseInt(p, 16)];
    });
  const front = toNumbers(words(head));
  const back = toNumbers(words(tail));
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}
