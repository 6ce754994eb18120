// IPv4 arithmetic for subnet membership and for picking free addresses when EC2 is asked for a
// count of secondary addresses instead of specific ones.

export function ipToNumber(ip: string): number {
  const parts = ip.split(".");
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${ip}`);
  let value = 0;
  for (const part of parts) {
    const octet = Number(part);
    if (!/^\d{1,3}$/.test(part) || octet > 255) throw new Error(`not an IPv4 address: ${ip}`);
    value = value * 256 + octet;
  }
  return value;
}

export function numberToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

export function isIpv4(text: string): boolean {
  try {
    ipToNumber(text);
    return true;
  } catch {
    return false;
  }
}

export interface Cidr {
  base: number;
  prefix: number;
  size: number;
}

export function parseCidr(cidr: string): Cidr {
  const [ip, prefixText] = cidr.split("/");
  const prefix = Number(prefixText);
  if (ip === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`not an IPv4 CIDR block: ${cidr}`);
  const size = 2 ** (32 - prefix);
  return { base: ipToNumber(ip) - (ipToNumber(ip) % size), prefix, size };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const block = parseCidr(cidr);
  const value = ipToNumber(ip);
  return value >= block.base && value < block.base + block.size;
}

/**
 * Addresses EC2 hands out in a subnet: it keeps the network address, the next three (router, DNS,
 * future use) and the broadcast address for itself.
 */
export function usableAddresses(cidr: string): { first: number; last: number } {
  const block = parseCidr(cidr);
  return { first: block.base + 4, last: block.base + block.size - 2 };
}
