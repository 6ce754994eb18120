import { isIP, isIPv4, isIPv6 } from "node:net";

// NO_PROXY as curl reads it (7.86 and later), plus ports:
// - `*` as the whole value: no host goes through the proxy;
// - a host name matches itself and every name below it, on a label boundary: `amazonaws.com` and
//   `.amazonaws.com` both match `ec2.eu-west-1.amazonaws.com`, neither matches `notamazonaws.com`;
//   case and a trailing dot do not matter;
// - an IPv4 or IPv6 address matches that address, and with `/bits` the whole range (curl compares
//   addresses only with addresses: `127.0.0.1` never matches the name `localhost`);
// - `name:port` or `[v6]:port` (beyond curl, as Go and Python's requests allow) matches that port only.
// Entries are separated by commas or white space (curl stops at the first blank without a comma:
// a space-separated list, which operators write, would be read only up to its first entry).
// An entry that is none of these matches nothing, as in curl.

interface NameEntry {
  kind: "name";
  /** Lower case, without leading or trailing dot. */
  name: string;
  port?: number;
}

interface RangeEntry {
  kind: "range";
  family: 4 | 6;
  bytes: Uint8Array;
  bits: number;
  port?: number;
}

export interface NoProxy {
  /** `*`: nothing goes through a proxy. */
  everything: boolean;
  entries: readonly (NameEntry | RangeEntry)[];
}

export function parseNoProxy(value: string | undefined): NoProxy {
  const text = (value ?? "").trim();
  if (text === "*") return { everything: true, entries: [] };
  const entries = text
    .split(/[\s,]+/)
    .filter((token) => token !== "")
    .map(entryOf)
    .filter((entry): entry is NameEntry | RangeEntry => entry !== undefined);
  return { everything: false, entries };
}

/** True when a connection to `host` (a name, or an address without brackets) on `port` bypasses the proxy. */
export function bypassesProxy(noProxy: NoProxy, host: string, port: number): boolean {
  if (noProxy.everything) return true;
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const address = addressBytes(bare);
  return noProxy.entries.some((entry) => {
    if (entry.port !== undefined && entry.port !== port) return false;
    if (entry.kind === "range") return address !== undefined && address.family === entry.family && inRange(address.bytes, entry);
    if (address !== undefined) return false;
    const name = bare.toLowerCase().replace(/\.$/, "");
    return name === entry.name || name.endsWith(`.${entry.name}`);
  });
}

function entryOf(token: string): NameEntry | RangeEntry | undefined {
  let rest = token;
  let port: number | undefined;
  // [v6]:port, [v6], v4:port, name:port; a bare IPv6 address has colons of its own.
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(rest);
  if (bracketed) {
    rest = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (!isIPv6(rest.split("/")[0]!)) {
    const withPort = /^(.*):(\d{1,5})$/.exec(rest);
    if (withPort) {
      rest = withPort[1]!;
      port = Number(withPort[2]);
    }
  }
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const slash = rest.indexOf("/");
  const addressPart = slash === -1 ? rest : rest.slice(0, slash);
  const address = addressBytes(addressPart);
  if (address) {
    const maxBits = address.family === 4 ? 32 : 128;
    const bitsText = slash === -1 ? String(maxBits) : rest.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > maxBits) return undefined;
    return { kind: "range", family: address.family, bytes: address.bytes, bits: Number(bitsText), ...(port ? { port } : {}) };
  }
  if (slash !== -1) return undefined;
  const name = rest.toLowerCase().replace(/^\./, "").replace(/\.$/, "");
  if (name === "" || !/^[a-z0-9_.-]+$/.test(name)) return undefined;
  return { kind: "name", name, ...(port ? { port } : {}) };
}

function addressBytes(text: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  if (isIPv4(text)) return { family: 4, bytes: Uint8Array.from(text.split(".").map(Number)) };
  if (!isIPv6(text)) return undefined;
  return { family: 6, bytes: ipv6Bytes(text) };
}

/** The 16 bytes of an IPv6 address Node accepts (`::` shorthand, a dotted IPv4 tail, a zone id). */
function ipv6Bytes(text: string): Uint8Array {
  const withoutZone = text.split("%")[0]!;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(withoutZone);
  let body = withoutZone;
  const bytes = new Uint8Array(16);
  if (tail && isIP(tail[1]!) === 4) {
    const v4 = tail[1]!.split(".").map(Number);
    const [a, b, c, d] = v4 as [number, number, number, number];
    body = `${withoutZone.slice(0, -tail[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rear] = body.includes("::") ? body.split("::") : [body, undefined];
  const groups = (part: string | undefined) => (part ? part.split(":").filter((g) => g !== "") : []);
  const front = groups(head);
  const back = groups(rear);
  const all = [...front, ...Array<string>(8 - front.length - back.length).fill("0"), ...back];
  all.forEach((group, i) => {
    const n = parseInt(group, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  });
  return bytes;
}

function inRange(address: Uint8Array, range: RangeEntry): boolean {
  for (let bit = 0; bit < range.bits; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((address[byte]! & mask) !== (range.bytes[byte]! & mask)) return false;
  }
  return true;
}
