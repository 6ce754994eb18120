import { describe, expect, it } from "vitest";
import { bypassesProxy, parseNoProxy } from "../../../src/cloud/proxy/no-proxy";

// NO_PROXY as curl 7.86+ reads it (names on label boundaries, addresses, CIDR ranges, `*`), plus
// ports and white space as a separator.

const bypasses = (noProxy: string, host: string, port = 443) => bypassesProxy(parseNoProxy(noProxy), host, port);

describe("NO_PROXY", () => {
  it.each([
    ["amazonaws.com", "ec2.eu-west-1.amazonaws.com", true],
    [".amazonaws.com", "ec2.eu-west-1.amazonaws.com", true],
    ["amazonaws.com", "amazonaws.com", true],
    [".amazonaws.com", "amazonaws.com", true],
    ["amazonaws.com", "notamazonaws.com", false],
    ["ws.com", "ec2.amazonaws.com", false],
    ["AmazonAWS.com.", "EC2.eu-west-1.amazonaws.com.", true],
    ["ec2.eu-west-1.amazonaws.com", "sts.eu-west-1.amazonaws.com", false],
    ["*", "anything.example", true],
    [" * ", "anything.example", true],
    ["*.amazonaws.com", "ec2.amazonaws.com", false],
    ["example.com, amazonaws.com", "ec2.amazonaws.com", true],
    ["example.com amazonaws.com", "ec2.amazonaws.com", true],
    ["example.com,,  ,amazonaws.com", "ec2.amazonaws.com", true],
    ["", "ec2.amazonaws.com", false],
  ])("%j and %s: %s", (noProxy, host, expected) => {
    expect(bypasses(noProxy, host)).toBe(expected);
  });

  it.each([
    ["127.0.0.1", "127.0.0.1", true],
    ["127.0.0.1", "127.0.0.2", false],
    ["127.0.0.0/8", "127.4.5.6", true],
    ["10.0.0.0/16", "10.0.255.1", true],
    ["10.0.0.0/16", "10.1.0.1", false],
    ["10.0.0.0/33", "10.0.0.0", false],
    ["0.0.0.0/0", "203.0.113.9", true],
    ["127.0.0.1", "localhost", false],
    ["localhost", "127.0.0.1", false],
    ["0.0.1", "127.0.0.1", false],
    ["::1", "::1", true],
    ["[::1]", "[::1]", true],
    ["fd00::/8", "fd12:3456::1", true],
    ["fd00::/8", "fe80::1", false],
    ["2001:db8::/32", "2001:db8:0:0:0:0:0:1", true],
    ["::ffff:10.0.0.0/104", "::ffff:10.1.2.3", true],
  ])("addresses and ranges: %s and %s: %s", (noProxy, host, expected) => {
    expect(bypasses(noProxy, host)).toBe(expected);
  });

  it("an entry with a port matches that port only", () => {
    expect(bypasses("amazonaws.com:443", "ec2.amazonaws.com", 443)).toBe(true);
    expect(bypasses("amazonaws.com:443", "ec2.amazonaws.com", 80)).toBe(false);
    expect(bypasses("127.0.0.1:4566", "127.0.0.1", 4566)).toBe(true);
    expect(bypasses("127.0.0.1:4566", "127.0.0.1", 4567)).toBe(false);
    expect(bypasses("[::1]:4566", "::1", 4566)).toBe(true);
    expect(bypasses("[::1]:4566", "::1", 80)).toBe(false);
  });

  it("an entry that is none of these matches nothing, and spoils nothing else", () => {
    expect(bypasses("exa mple!, amazonaws.com", "ec2.amazonaws.com")).toBe(true);
    expect(bypasses("10.0.0.0/abc,256.1.1.1", "10.0.0.1")).toBe(false);
  });
});
