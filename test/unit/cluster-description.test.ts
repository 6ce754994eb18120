import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseClusterDescription } from "../../src/cluster/load";
import { exampleDescription } from "../../src/cli/gen-init";
import { ConfigError, type ConfigProblem } from "../../src/errors";

// A malformed description is refused with one message per problem that names the place (a path
// into the file) and what is wrong, and `aws-ha-gen` then exits 2 and writes nothing.

type Description = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function validDescription(): Description {
  return {
    cluster: "web",
    manager: "keepalived",
    nodes: [
      { name: "lb-a", address: "10.0.1.10", instanceId: "i-0a1b2c3d4e5f60001", interface: "eth0", priority: 150 },
      { name: "lb-b", address: "10.0.1.11", instanceId: "i-0a1b2c3d4e5f60002", interface: "eth0", priority: 100 },
    ],
    resources: [
      { kind: "vip", name: "web-vip", address: "10.0.1.100", prefix: 24 },
      { kind: "eip", name: "web-eip", allocationId: "eipalloc-0a1b2c3d4e5f60001", privateAddress: "10.0.1.100" },
      { kind: "volume", name: "data", volumeId: "vol-0a1b2c3d4e5f60001", mountPoint: "/srv/data" },
    ],
    keepalived: { virtualRouterId: 51 },
    heartbeat: { keepalive: 1, deadtime: 10, initdead: 30 },
  };
}

function problemsOf(change: (d: Description) => void): readonly ConfigProblem[] {
  const d = validDescription();
  change(d);
  return problemsOfText(stringify(d));
}

function problemsOfText(text: string): readonly ConfigProblem[] {
  try {
    parseClusterDescription(text, "cluster.yaml");
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("the description was accepted");
}

const cases: [scenario: string, change: (d: Description) => void, expected: ConfigProblem | ConfigProblem[]][] = [
  [
    "two Elastic IPs on one private address",
    (d) => d.resources.push({ kind: "eip", name: "web-eip-2", allocationId: "eipalloc-0a1b2c3d4e5f60002", privateAddress: "10.0.1.100" }),
    {
      path: "resources[3].privateAddress",
      message:
        "web-eip-2 and web-eip would both point at 10.0.1.100 on node lb-a, and EC2 keeps one Elastic IP per private address; point one of them at a vip's address",
    },
  ],
  [
    "a misspelt key",
    (d) => (d.keepalived.advertIntervall = 2),
    { path: "keepalived", message: 'unknown key "advertIntervall"; check the spelling against `aws-ha-gen init`' },
  ],
  [
    "an address with three octets",
    (d) => (d.nodes[1].address = "10.0.1"),
    { path: "nodes[1].address", message: '"10.0.1" is not an IPv4 address' },
  ],
  [
    "two nodes with one priority",
    (d) => (d.nodes[1].priority = 150),
    { path: "nodes[1].priority", message: "150 is used by another node; every node needs its own priority" },
  ],
  ["a cluster of one node", (d) => d.nodes.pop(), { path: "nodes", message: "a cluster needs at least 2 nodes, found 1" }],
  [
    "virtual router id 0",
    (d) => (d.keepalived.virtualRouterId = 0),
    { path: "keepalived.virtualRouterId", message: "Too small: expected number to be >=1" },
  ],
  [
    "virtual router id 256",
    (d) => (d.keepalived.virtualRouterId = 256),
    { path: "keepalived.virtualRouterId", message: "Too big: expected number to be <=255" },
  ],
  [
    "an Elastic IP pointed at an address nobody has",
    (d) => (d.resources[1].privateAddress = "10.0.1.99"),
    {
      path: "resources[1].privateAddress",
      message: "10.0.1.99 is neither a declared vip nor a node address; point the EIP at one of: 10.0.1.100, 10.0.1.10, 10.0.1.11",
    },
  ],
  [
    "a relative mount point",
    (d) => (d.resources[2].mountPoint = "srv/data"),
    { path: "resources[2].mountPoint", message: '"srv/data" must be an absolute path' },
  ],
  [
    "a fractional advert interval with VRRPv2",
    (d) => (d.keepalived.advertInterval = 1.5),
    {
      path: "keepalived.advertInterval",
      message: "1.5 is not valid for VRRPv2: use whole seconds 1-255, or vrrpVersion: 3 for sub-second adverts",
    },
  ],
  [
    "a VRRP password of 5 characters",
    (d) => (d.keepalived.authPass = "short"),
    { path: "keepalived.authPass", message: "must be 6 to 8 characters (keepalived uses only the first 8), got 5" },
  ],
  [
    "a VRRP password of 9 characters",
    (d) => (d.keepalived.authPass = "ninechars"),
    { path: "keepalived.authPass", message: "must be 6 to 8 characters (keepalived uses only the first 8), got 9" },
  ],
  [
    "a VRRP password with VRRPv3",
    (d) => Object.assign(d.keepalived, { vrrpVersion: 3, authPass: "secret12" }),
    { path: "keepalived.authPass", message: "VRRPv3 has no authentication; remove authPass or use vrrpVersion: 2" },
  ],
  [
    "a Heartbeat deadtime of twice keepalive",
    (d) => Object.assign(d.heartbeat, { keepalive: 2, warntime: 3, deadtime: 4 }),
    { path: "heartbeat.deadtime", message: "4 must be more than twice keepalive (2); Heartbeat refuses to start otherwise" },
  ],
  [
    "an initdead shorter than deadtime",
    (d) => (d.heartbeat.initdead = 8),
    { path: "heartbeat.initdead", message: "8 must be at least deadtime (10)" },
  ],
  [
    "a short Heartbeat key",
    (d) => (d.heartbeat.authKey = "tooshort"),
    { path: "heartbeat.authKey", message: "must be at least 16 printable characters without spaces" },
  ],
  [
    "a malformed instance id",
    (d) => (d.nodes[0].instanceId = "i-xyz"),
    { path: "nodes[0].instanceId", message: '"i-xyz" is not an instance id (like i-0123456789abcdef0)' },
  ],
  [
    "a VIP outside the nodes' subnet",
    (d) => (d.resources[0].address = d.resources[1].privateAddress = "10.0.2.100"),
    ["lb-a (10.0.1.10)", "lb-b (10.0.1.11)"].map((node) => ({
      path: "resources[0].address",
      message: `10.0.2.100/24 is not in the subnet of node ${node}; a secondary private IP can only move between ENIs of one subnet (use a route resource across subnets)`,
    })),
  ],
  [
    "an overlay route inside the VPC",
    (d) => d.resources.push({ kind: "route", name: "overlay", address: "10.0.200.10", routeTables: ["rtb-0a1b2c3d4e5f60001"] }),
    ["lb-a (10.0.1.10)", "lb-b (10.0.1.11)"].map((node) => ({
      path: "resources[3].address",
      message: `10.0.200.10 looks like it is inside the VPC next to node ${node}; an overlay IP must be outside the VPC CIDR`,
    })),
  ],
  [
    "two resources with one name",
    (d) => (d.resources[2].name = "web-vip"),
    { path: "resources[2].name", message: '"web-vip" names two resources; resource names must be unique' },
  ],
  [
    "manager keepalived without its section",
    (d) => delete d.keepalived,
    { path: "keepalived", message: "manager is keepalived, so a keepalived section (at least virtualRouterId) is required" },
  ],
  [
    "Heartbeat with three nodes",
    (d) => {
      d.manager = "heartbeat";
      d.nodes.push({ name: "lb-c", address: "10.0.1.12", instanceId: "i-0a1b2c3d4e5f60003", priority: 50 });
    },
    { path: "nodes", message: "Heartbeat v1 (haresources) runs exactly two nodes, found 3; use manager: keepalived or pacemaker" },
  ],
  [
    "an unknown resource kind",
    (d) => (d.resources[0].kind = "nat"),
    { path: "resources[0].kind", message: "kind must be one of vip, eip, route, volume, service, hook" },
  ],
];

describe("a malformed cluster description is refused with the place and the fix", () => {
  it("accepts the unchanged description the cases start from", () => {
    expect(() => parseClusterDescription(stringify(validDescription()), "cluster.yaml")).not.toThrow();
  });

  for (const [scenario, change, expected] of cases) {
    it(`refuses ${scenario}`, () => {
      expect(problemsOf(change)).toEqual(Array.isArray(expected) ? expected : [expected]);
    });
  }

  it("refuses text that is not YAML, naming the line", () => {
    expect(problemsOfText("cluster: web\nnodes: [\n")).toEqual([
      { path: "(file)", message: expect.stringMatching(/^not valid YAML: .*line 3/) as unknown as string },
    ]);
  });

  it("reports every problem at once, one line each, under the file's name", () => {
    const d = validDescription();
    d.nodes[1].priority = 150;
    d.resources[1].privateAddress = "10.0.1.99";
    let message = "";
    try {
      parseClusterDescription(stringify(d), "cluster.yaml");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(
      [
        "cluster.yaml: 2 problems",
        "  nodes[1].priority: 150 is used by another node; every node needs its own priority",
        "  resources[1].privateAddress: 10.0.1.99 is neither a declared vip nor a node address; point the EIP at one of: 10.0.1.100, 10.0.1.10, 10.0.1.11",
      ].join("\n"),
    );
  });

  it("accepts the example `aws-ha-gen init` writes", () => {
    const d = parseClusterDescription(exampleDescription, "cluster.yaml");
    expect(d.nodes.map((n) => n.name)).toEqual(["db-a", "db-b"]);
  });
});

// The shipped CLI, as an operator runs it: `npm test` builds bin/ before the unit tests.
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const gen = join(repoRoot, "bin", "aws-ha-gen");
const scratch = mkdtempSync(join(tmpdir(), "aws-ha-gen-refuse-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runGen(args: string[]) {
  const r = spawnSync(process.execPath, [gen, ...args], {
    cwd: scratch,
    encoding: "utf8",
    timeout: 20_000,
    env: { ...process.env, AWS_HA_CLUSTER: "" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeDescription(name: string, d: Description): string {
  const path = join(scratch, name);
  writeFileSync(path, stringify(d));
  return path;
}

if (!existsSync(gen)) console.warn("cluster-description: the CLI checks are skipped, bin/aws-ha-gen is not built (npm run build)");
describe.skipIf(!existsSync(gen))("aws-ha-gen all with a bad description (bin/ built)", () => {
  it("exits 2, names the place on stderr, and creates no output directory", () => {
    const d = validDescription();
    d.nodes[1].address = "10.0.1";
    const path = writeDescription("bad-address.yaml", d);
    const out = join(scratch, "out-missing");

    const r = runGen(["all", "--cluster", path, "--out", out]);

    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${path}: 1 problem\n  nodes[1].address: "10.0.1" is not an IPv4 address\n`);
    expect(r.stdout).toBe("");
    expect(existsSync(out)).toBe(false);
  });

  it("leaves an existing output directory untouched when a file fails to render after others did", () => {
    // keepalived.conf can quote a path with a space, haresources cannot: the first node's
    // keepalived.conf is rendered before its haresources fails, and must not be written.
    const path = writeDescription("both-daemons.yaml", validDescription());
    const out = join(scratch, "out-existing");
    mkdirSync(out);
    writeFileSync(join(out, "keep.txt"), "an earlier file\n");

    const r = runGen(["all", "--cluster", path, "--node-cluster", "/etc/aws ha/cluster.yaml", "--out", out]);

    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the cluster path "/etc/aws ha/cluster.yaml" contains whitespace, which haresources cannot carry');
    expect(readdirSync(out)).toEqual(["keep.txt"]);
    expect(readFileSync(join(out, "keep.txt"), "utf8")).toBe("an earlier file\n");
  });

  it("reads the description from AWS_HA_CLUSTER and refuses a missing one with exit 2", () => {
    const out = join(scratch, "out-none");
    const r = spawnSync(process.execPath, [gen, "validate"], {
      cwd: scratch,
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, AWS_HA_CLUSTER: join(scratch, "absent.yaml") },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`cannot read the cluster description ${join(scratch, "absent.yaml")}: ENOENT`);
    expect(existsSync(out)).toBe(false);
  });
});
