import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startEc2Server, type Ec2Server } from "../support/ec2-standin/server";
import { rootOnlyTempDir } from "./support/mount-point-dir";
import { requireBundle } from "./support/notify-cli";

// An IPv6 VIP the nodes cannot carry, or an address that is not one, is refused by the shipped
// CLIs before anything moves: `aws-ha-gen validate` exits 2 and aws-ha-notify (as keepalived runs it)
// exits 6, each with one line that names the place, and EC2 hears nothing.

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
// aws-ha-notify trusts a description only where no user but root could swap it (see description-trust.ts).
const dir = process.getuid?.() === 0 ? rootOnlyTempDir("aws-ha-ipv6-") : mkdtempSync(join(tmpdir(), "aws-ha-ipv6-"));
let ec2: Ec2Server;

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  requireBundle();
  ec2 = await startEc2Server({
    spec: {
      subnets: [
        { subnetId: "subnet-0a1b2c3d4e5f60001", cidr: "10.0.1.0/24", ipv6Cidr: "2001:db8:0:1::/64", availabilityZone: "us-east-1a" },
      ],
      instances: [{ instanceId: "i-0a1b2c3d4e5f60001" }, { instanceId: "i-0a1b2c3d4e5f60002" }],
      interfaces: [
        {
          networkInterfaceId: "eni-0a1b2c3d4e5f60001",
          subnetId: "subnet-0a1b2c3d4e5f60001",
          privateIps: ["10.0.1.10"],
          instanceId: "i-0a1b2c3d4e5f60001",
        },
        {
          networkInterfaceId: "eni-0a1b2c3d4e5f60002",
          subnetId: "subnet-0a1b2c3d4e5f60001",
          privateIps: ["10.0.1.11"],
          instanceId: "i-0a1b2c3d4e5f60002",
        },
      ],
    },
  });
});
afterAll(async () => {
  await ec2?.close();
  rmSync(dir, { recursive: true, force: true });
});

function description(change: (d: Raw) => void): string {
  const d = {
    cluster: "web",
    manager: "keepalived",
    region: "us-east-1",
    nodes: [
      { name: "lb-a", address: "10.0.1.10", address6: "2001:db8:0:1::10", instanceId: "i-0a1b2c3d4e5f60001", priority: 150 },
      { name: "lb-b", address: "10.0.1.11", address6: "2001:db8:0:1::11", instanceId: "i-0a1b2c3d4e5f60002", priority: 100 },
    ],
    resources: [{ kind: "vip", name: "web-vip6", address: "2001:db8:0:1::100" }],
    keepalived: { virtualRouterId: 51 },
  };
  change(d);
  const file = join(dir, `cluster-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(d), { mode: 0o644 });
  return file;
}

function run(bin: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, "bin", bin), ...args], {
    encoding: "utf8",
    timeout: 20_000,
    env: {
      PATH: process.env.PATH,
      AWS_ENDPOINT_URL_EC2: ec2.url,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9",
      AWS_ACCESS_KEY_ID: "AKIAITESTSTANDIN0001",
      AWS_SECRET_ACCESS_KEY: "ipv6-bad-input-not-a-real-key",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  });
  return { code: r.status, stderr: r.stderr };
}

/** The problem lines of a refusal: each names a place, then what is wrong. */
const problemLines = (stderr: string) =>
  stderr
    .trimEnd()
    .split("\n")
    .map((l) => l.replace(/^ERROR /, "").trim())
    .filter((l) => !/: \d+ problems?$/.test(l));

describe.each<[string, (d: Raw) => void, string]>([
  [
    "an IPv6 VIP where a node has no IPv6 address",
    (d) => delete d.nodes[1].address6,
    "nodes[1].address6: node lb-b has no IPv6 address, but vip web-vip6 (resources[0]) is 2001:db8:0:1::100: give each node its own IPv6 address in 2001:db8:0:1::100/64 (its subnet needs an IPv6 CIDR)",
  ],
  [
    "an IPv6 VIP outside a node's IPv6 subnet",
    (d) => (d.nodes[0].address6 = "2001:db8:0:9::10"),
    "resources[0].address: 2001:db8:0:1::100/64 is not in the subnet of node lb-a (2001:db8:0:9::10); a secondary private IP can only move between ENIs of one subnet (use a route resource across subnets)",
  ],
  [
    "a malformed IPv6 VIP",
    (d) => (d.resources[0].address = "2001:db8:0:1::100::1"),
    'resources[0].address: "2001:db8:0:1::100::1" is not an IP address (IPv4 like 10.0.1.100 or IPv6 like 2001:db8::10)',
  ],
])("%s", (_what, change, line) => {
  it("aws-ha-gen validate exits 2 with one line naming the place", () => {
    const result = run("aws-ha-gen", ["validate", "--cluster", description(change)]);
    expect(result.code, result.stderr).toBe(2);
    expect(problemLines(result.stderr)).toEqual([line]);
  });

  it("aws-ha-notify master exits 6 with the same line, and EC2 hears nothing", () => {
    const before = ec2.calls.all().length;
    const result = run("aws-ha-notify", ["master", "--cluster", description(change)]);
    expect(result.code, result.stderr).toBe(6);
    expect(problemLines(result.stderr)).toEqual([line]);
    expect(ec2.calls.all().slice(before)).toEqual([]);
  });
});
