import { describe, expect, it } from "vitest";
import type { RecordSpec } from "../../../src/kinds/record/schema";
import { dnsName, isInZone } from "../../../src/kinds/record/spec";
import type { ConfigProblem } from "../../../src/errors";
import { changed, parseDescription, refusalOf, type Description } from "../support/description-problems";

// A Route53 record in the description: inside its zone, of the family of what it points at, pointing
// at a vip or an eip the description has. Each mistake is one line naming its place.

function cluster(): Description {
  return {
    cluster: "web",
    manager: "keepalived",
    nodes: [
      { name: "lb-a", address: "10.0.1.10", address6: "2001:db8:0:1::10", instanceId: "i-0a1b2c3d4e5f60001", priority: 150 },
      { name: "lb-b", address: "10.0.1.11", address6: "2001:db8:0:1::11", instanceId: "i-0a1b2c3d4e5f60002", priority: 100 },
    ],
    resources: [
      { kind: "vip", name: "web-vip", address: "10.0.1.100" },
      { kind: "vip", name: "web-vip6", address: "2001:db8:0:1::100" },
      { kind: "eip", name: "web-eip", allocationId: "eipalloc-0a1b2c3d4e5f60e01", privateAddress: "10.0.1.100" },
      { kind: "record", name: "db-dns", hostedZoneId: "Z0123456789ABCDEFGHIJ", zone: "example.com.", recordName: "db.example.com" },
    ],
    keepalived: { virtualRouterId: 51 },
  };
}

const parse = (change?: (d: Description) => void) => parseDescription(changed(cluster, change));
const problemsOf = (change: (d: Description) => void) => refusalOf(changed(cluster, change));

const record = (d: Description) => d.resources[3];

describe("a Route53 record in the cluster description", () => {
  it("is an A record of each node's own address, 60 s, no wait and no release, when only its zone and name are given", () => {
    const spec = parse().resources[3] as RecordSpec;
    expect(spec).toEqual({
      kind: "record",
      name: "db-dns",
      hostedZoneId: "Z0123456789ABCDEFGHIJ",
      zone: "example.com.",
      recordName: "db.example.com",
      type: "A",
      ttl: 60,
      pointsAt: "node",
      waitInSync: false,
      inSyncTimeout: 60,
      release: false,
    });
  });

  it("takes a zone id as the console prints it, /hostedzone/Z…, and keeps the id", () => {
    const spec = parse((d) => (record(d).hostedZoneId = "/hostedzone/Z0123456789ABCDEFGHIJ")).resources[3] as RecordSpec;
    expect(spec.hostedZoneId).toBe("Z0123456789ABCDEFGHIJ");
  });

  it("compares names with the zone case-insensitively, with or without the trailing dot", () => {
    expect(isInZone("DB.Example.COM", "example.com.")).toBe(true);
    expect(isInZone("example.com.", "EXAMPLE.com")).toBe(true);
    expect(isInZone("db.notexample.com.", "example.com.")).toBe(false);
    expect(dnsName("Db.Example.Com..")).toBe("db.example.com.");
    expect(() => parse((d) => Object.assign(record(d), { recordName: "DB.EXAMPLE.COM.", zone: "Example.Com" }))).not.toThrow();
  });

  it("accepts an AAAA record of an IPv6 vip, an A record of an eip, and release with pointsAt node", () => {
    expect(() => parse((d) => Object.assign(record(d), { type: "AAAA", pointsAt: { vip: "web-vip6" } }))).not.toThrow();
    expect(() => parse((d) => Object.assign(record(d), { pointsAt: { eip: "web-eip" } }))).not.toThrow();
    expect(() => parse((d) => Object.assign(record(d), { type: "AAAA", release: true, waitInSync: true }))).not.toThrow();
  });

  it.each<[string, (d: Description) => void, ConfigProblem]>([
    [
      "a record name outside its zone",
      (d) => (record(d).recordName = "db.example.org"),
      {
        path: "resources[3].recordName",
        message:
          "db.example.org. is a record name outside its zone example.com.; name the record inside the zone (such as db.example.com.), or give the zone it belongs to",
      },
    ],
    [
      "a name that only ends like the zone",
      (d) => (record(d).recordName = "db.notexample.com."),
      {
        path: "resources[3].recordName",
        message:
          "db.notexample.com. is a record name outside its zone example.com.; name the record inside the zone (such as db.example.com.), or give the zone it belongs to",
      },
    ],
    [
      "an A record pointing at an IPv6 vip",
      (d) => (record(d).pointsAt = { vip: "web-vip6" }),
      {
        path: "resources[3].pointsAt.vip",
        message:
          "vip web-vip6 is 2001:db8:0:1::100, an IPv6 address, and an A record holds IPv4 addresses; use type AAAA or a vip of the other family",
      },
    ],
    [
      "an AAAA record pointing at an IPv4 vip",
      (d) => Object.assign(record(d), { type: "AAAA", pointsAt: { vip: "web-vip" } }),
      {
        path: "resources[3].pointsAt.vip",
        message:
          "vip web-vip is 10.0.1.100, an IPv4 address, and an AAAA record holds IPv6 addresses; use type A or a vip of the other family",
      },
    ],
    [
      "an unknown vip",
      (d) => (record(d).pointsAt = { vip: "web" }),
      { path: "resources[3].pointsAt.vip", message: '"web" is no vip of the description; name one of: web-vip, web-vip6' },
    ],
    [
      "an unknown eip",
      (d) => (record(d).pointsAt = { eip: "public" }),
      { path: "resources[3].pointsAt.eip", message: '"public" is no eip of the description; name one of: web-eip' },
    ],
    [
      "an AAAA record pointing at an eip",
      (d) => Object.assign(record(d), { type: "AAAA", pointsAt: { eip: "web-eip" } }),
      {
        path: "resources[3].pointsAt.eip",
        message: "eip web-eip is a public IPv4 address, and an AAAA record holds IPv6 addresses; use type A",
      },
    ],
    [
      "an AAAA record of the node's own address on a node without one",
      (d) => {
        record(d).type = "AAAA";
        d.resources.splice(1, 1);
        delete d.nodes[1].address6;
      },
      {
        path: "nodes[1].address6",
        message:
          "node lb-b has no IPv6 address, but the AAAA record db-dns (resources[2]) points at each node's own address: give each node its address6",
      },
    ],
    [
      "release of a record that points at a vip",
      (d) => Object.assign(record(d), { pointsAt: { vip: "web-vip" }, release: true }),
      {
        path: "resources[3].release",
        message:
          "record db-dns points at vip web-vip, the same value on every node, so a release could delete the record the new master just wrote; release a record only with pointsAt: node",
      },
    ],
    [
      "the same record twice",
      (d) => d.resources.push({ ...record(d), name: "db-dns-2", recordName: "DB.example.com." }),
      {
        path: "resources[4].recordName",
        message: "the A record db.example.com. of zone Z0123456789ABCDEFGHIJ is also record db-dns; each record may be managed once",
      },
    ],
  ])("refuses %s, naming the place", (_, change, problem) => {
    expect(problemsOf(change)).toEqual([problem]);
  });

  it.each<[string, (d: Description) => void, string, RegExp]>([
    [
      "a zone id that is not one",
      (d) => (record(d).hostedZoneId = "example.com"),
      "resources[3].hostedZoneId",
      /is not a Route53 hosted zone id/,
    ],
    ["a name that is not a DNS name", (d) => (record(d).recordName = "db example.com"), "resources[3].recordName", /is not a DNS name/],
    ["a type other than A or AAAA", (d) => (record(d).type = "CNAME"), "resources[3].type", /./],
    ["a negative TTL", (d) => (record(d).ttl = -1), "resources[3].ttl", /./],
    ["pointsAt of something else", (d) => (record(d).pointsAt = { route: "overlay" }), "resources[3].pointsAt", /./],
  ])("refuses %s in its field", (_, change, path, message) => {
    const problems = problemsOf(change);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path, message: expect.stringMatching(message) });
  });
});
