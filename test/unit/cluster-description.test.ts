import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseClusterDescription } from "../../src/cluster/parse";
import { exampleDescription } from "../../src/cli/gen/init";
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
    "an overlay route inside the VPC (taken as the /16 around a node when vpcCidrs is not given)",
    (d) => d.resources.push({ kind: "route", name: "overlay", address: "10.0.200.10", routeTables: ["rtb-0a1b2c3d4e5f60001"] }),
    {
      path: "resources[3].address",
      message:
        "10.0.200.10 looks like it is inside the VPC: it is in the /16 around node lb-a (10.0.1.10), taken as the VPC CIDR because the description gives no vpcCidrs; an overlay IP must be outside the VPC CIDR (give vpcCidrs if the VPC is not that /16)",
    },
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
    { path: "resources[0].kind", message: "kind must be one of vip, eip, route, volume, service, hook, eni, record" },
  ],
];

const overlay = (address: string) => (d: Description) =>
  d.resources.push({ kind: "route", name: "overlay", address, routeTables: ["rtb-0a1b2c3d4e5f60001"] });
const mountAt = (mountPoint: string) => (d: Description) => (d.resources[2].mountPoint = mountPoint);
const secondVolume = (fields: Record<string, unknown>) => (d: Description) =>
  d.resources.push({ kind: "volume", name: "logs", volumeId: "vol-0a1b2c3d4e5f60002", mountPoint: "/srv/logs", ...fields });
const ownDirectory = "mount the volume on a directory of its own, like /srv/data";
const overlapping = "overlapping mounts hide each other and depend on their order, so give each volume a directory of its own";
const unicastOutside = "an overlay IP must be a unicast address outside the VPC CIDR";
const controlAdvice = "a NUL cuts the argument short and a line break splits the line that carries it";
const passAdvice = 'use letters, digits and punctuation other than # ! { } "';

// What would only fail once a failover has already moved cloud resources: a volume mounted where
// the node needs its own files, two volumes in one place or one device slot, a hook argument that
// cannot reach execve intact, an overlay route EC2 accepts but nothing can answer, a secret the
// daemons would read differently from what is written.
const failoverCases: typeof cases = [
  [
    "a volume mounted on /",
    mountAt("/"),
    { path: "resources[2].mountPoint", message: `"/" is a system directory that the mount would hide from the node; ${ownDirectory}` },
  ],
  ...["/proc", "/sys", "/dev", "/run", "/boot", "/etc", "/usr", "/var", "/lib", "/tmp"].map((dir): (typeof cases)[number] => [
    `a volume mounted on ${dir}`,
    mountAt(dir),
    { path: "resources[2].mountPoint", message: `"${dir}" is a system directory that the mount would hide from the node; ${ownDirectory}` },
  ]),
  [
    "a volume mounted inside /proc",
    mountAt("/proc/data"),
    { path: "resources[2].mountPoint", message: `"/proc/data" is inside /proc, the kernel's process filesystem; ${ownDirectory}` },
  ],
  [
    "a volume mounted inside /sys",
    mountAt("/sys/fs/data"),
    { path: "resources[2].mountPoint", message: `"/sys/fs/data" is inside /sys, the kernel's sysfs; ${ownDirectory}` },
  ],
  [
    "a volume mounted inside /dev",
    mountAt("/dev/shm/data"),
    { path: "resources[2].mountPoint", message: `"/dev/shm/data" is inside /dev, the device filesystem; ${ownDirectory}` },
  ],
  [
    "a volume mounted over the directory aws-ha-notify is installed in",
    mountAt("/usr/local"),
    {
      path: "resources[2].mountPoint",
      message: `"/usr/local" would hide paths.notify (/usr/local/bin/aws-ha-notify) and paths.updateeip (/usr/local/bin/aws-ha-updateeip) while the volume is mounted; ${ownDirectory}`,
    },
  ],
  [
    "a mount point that climbs out with ..",
    mountAt("/srv/../etc"),
    [
      { path: "resources[2].mountPoint", message: '"/srv/../etc" is not in normal form; write it as "/etc"' },
      { path: "resources[2].mountPoint", message: `"/etc" is a system directory that the mount would hide from the node; ${ownDirectory}` },
    ],
  ],
  [
    "a mount point with a trailing slash",
    mountAt("/srv/data/"),
    { path: "resources[2].mountPoint", message: '"/srv/data/" is not in normal form; write it as "/srv/data"' },
  ],
  [
    "a mount point with a doubled slash",
    mountAt("//srv"),
    { path: "resources[2].mountPoint", message: '"//srv" is not in normal form; write it as "/srv"' },
  ],
  [
    "a mount point with a dot",
    mountAt("/srv/./data"),
    { path: "resources[2].mountPoint", message: '"/srv/./data" is not in normal form; write it as "/srv/data"' },
  ],
  [
    "a mount point with a line break",
    mountAt("/srv/da\nta"),
    { path: "resources[2].mountPoint", message: '"/srv/da\\nta" contains a control character' },
  ],
  [
    "two volumes that both take the default device",
    secondVolume({}),
    {
      path: "resources[3].device",
      message:
        "/dev/sdf (the default when device is omitted) is also the device of volume data (resources[2]); give each volume its own letter, /dev/sdf … /dev/sdp",
    },
  ],
  [
    "two volumes in one slot, named sdg and xvdg",
    (d) => {
      d.resources[2].device = "/dev/sdg";
      secondVolume({ device: "/dev/xvdg" })(d);
    },
    {
      path: "resources[3].device",
      message:
        "/dev/xvdg is the same attachment slot as /dev/sdg of volume data (resources[2]); give each volume its own letter, /dev/sdf … /dev/sdp",
    },
  ],
  [
    "one mount point written two ways",
    secondVolume({ device: "/dev/sdg", mountPoint: "/srv/data/" }),
    [
      { path: "resources[3].mountPoint", message: '"/srv/data/" is not in normal form; write it as "/srv/data"' },
      { path: "resources[3].mountPoint", message: `"/srv/data/" is also the mount point of volume data ("/srv/data"); ${overlapping}` },
    ],
  ],
  [
    "a volume mounted inside another",
    secondVolume({ device: "/dev/sdg", mountPoint: "/srv/data/logs" }),
    { path: "resources[3].mountPoint", message: `"/srv/data/logs" is inside the mount point of volume data ("/srv/data"); ${overlapping}` },
  ],
  [
    "a volume mounted above another",
    secondVolume({ device: "/dev/sdg", mountPoint: "/srv" }),
    { path: "resources[3].mountPoint", message: `"/srv" contains the mount point of volume data ("/srv/data"); ${overlapping}` },
  ],
  [
    "a NUL in a hook argument",
    (d) => d.resources.push({ kind: "hook", name: "promote", acquire: ["/usr/local/bin/promote", "--role=pri\u0000mary"] }),
    {
      path: "resources[3].acquire[1]",
      message: `"--role=pri\\u0000mary" contains a control character (U+0000); ${controlAdvice}`,
    },
  ],
  [
    "a line break in a hook argument",
    (d) => d.resources.push({ kind: "hook", name: "demote", release: ["/usr/local/bin/demote", "now\nreboot"] }),
    { path: "resources[3].release[1]", message: `"now\\nreboot" contains a control character (U+000A); ${controlAdvice}` },
  ],
  [
    "a line break in a health check argument",
    (d) => (d.keepalived.healthCheck = { command: ["/usr/bin/pg_isready", "-h", "db\nvrrp_script x {"] }),
    {
      path: "keepalived.healthCheck.command[2]",
      message: `"db\\nvrrp_script x {" contains a control character (U+000A); ${controlAdvice}`,
    },
  ],
  [
    "an overlay route to the instance metadata service",
    overlay("169.254.169.254"),
    {
      path: "resources[3].address",
      message: `169.254.169.254 is link-local (169.254.0.0/16, where the instance metadata service and the Amazon DNS answer); ${unicastOutside}`,
    },
  ],
  [
    "an overlay route to loopback",
    overlay("127.0.0.1"),
    {
      path: "resources[3].address",
      message: `127.0.0.1 is a loopback address (127.0.0.0/8) that never leaves the instance; ${unicastOutside}`,
    },
  ],
  [
    "an overlay route to a multicast group",
    overlay("224.0.0.18"),
    { path: "resources[3].address", message: `224.0.0.18 is a multicast address (224.0.0.0/4); ${unicastOutside}` },
  ],
  [
    "an overlay route to 0.0.0.0",
    overlay("0.0.0.0"),
    { path: "resources[3].address", message: `0.0.0.0 is in 0.0.0.0/8, which means this host or this network; ${unicastOutside}` },
  ],
  [
    "an overlay route to the broadcast address",
    overlay("255.255.255.255"),
    {
      path: "resources[3].address",
      message: `255.255.255.255 is in the reserved block 240.0.0.0/4 (with the broadcast address 255.255.255.255); ${unicastOutside}`,
    },
  ],
  [
    "an overlay route inside a VPC CIDR the description gives",
    (d) => {
      d.vpcCidrs = ["10.0.0.0/16", "100.64.0.0/16"];
      overlay("100.64.3.4")(d);
    },
    {
      path: "resources[3].address",
      message: "100.64.3.4 is inside the VPC CIDR 100.64.0.0/16 (vpcCidrs[1]); an overlay IP must be outside the VPC CIDR",
    },
  ],
  [
    "a VPC CIDR that is not a network address",
    (d) => (d.vpcCidrs = ["10.0.1.0/16"]),
    { path: "vpcCidrs[0]", message: '"10.0.1.0/16" is not a VPC CIDR block like 10.0.0.0/16 (a network address, /16 to /28)' },
  ],
  [
    "a VRRP password with #, which keepalived reads as a comment",
    (d) => (d.keepalived.authPass = "ab#cdefg"),
    { path: "keepalived.authPass", message: `"#" starts a comment in keepalived.conf, so keepalived would use only "ab"; ${passAdvice}` },
  ],
  [
    "a VRRP password with !, which keepalived reads as a comment",
    (d) => (d.keepalived.authPass = "secret!1"),
    {
      path: "keepalived.authPass",
      message: `"!" starts a comment in keepalived.conf, so keepalived would use only "secret"; ${passAdvice}`,
    },
  ],
  ...["ab{cdefg", "ab}cdefg"].map((pass): (typeof cases)[number] => [
    `a VRRP password with a brace (${pass})`,
    (d) => (d.keepalived.authPass = pass),
    {
      path: "keepalived.authPass",
      message: `"${pass[2]}" opens or closes a block in keepalived.conf and breaks the configuration around it; ${passAdvice}`,
    },
  ]),
  [
    "a VRRP password with a double quote",
    (d) => (d.keepalived.authPass = 'ab"cd"ef'),
    {
      path: "keepalived.authPass",
      message: `"\\"" starts a quoted string in keepalived.conf, so keepalived would not use the characters as written; ${passAdvice}`,
    },
  ],
  [
    "a VRRP password that names a keepalived built-in",
    (d) => (d.keepalived.authPass = "ab$_PWD"),
    {
      path: "keepalived.authPass",
      message: "$_PWD is replaced by keepalived's built-in definition of _PWD; put another character after it, or leave the $ out",
    },
  ],
  [
    "a VRRP password with a space",
    (d) => (d.keepalived.authPass = "ab cdefg"),
    { path: "keepalived.authPass", message: "must be printable ASCII without spaces" },
  ],
  [
    "33 nodes",
    (d) => {
      for (let i = 2; i < 33; i++)
        d.nodes.push({
          name: `lb-${i}`,
          address: `10.0.1.${20 + i}`,
          instanceId: `i-0a1b2c3d4e5f6${String(i).padStart(4, "0")}`,
          priority: 10 + i,
        });
    },
    { path: "nodes", message: "at most 32 nodes, found 33" },
  ],
  [
    "257 resources",
    (d) => {
      for (let i = d.resources.length; i < 257; i++) d.resources.push({ kind: "service", name: `svc-${i}`, unit: `svc-${i}.service` });
    },
    { path: "resources", message: "at most 256 resources, found 257; split the cluster" },
  ],
];

describe("what would fail only after a failover has moved cloud resources is refused by validate", () => {
  for (const [scenario, change, expected] of failoverCases) {
    it(`refuses ${scenario}`, () => {
      expect(problemsOf(change)).toEqual(Array.isArray(expected) ? expected : [expected]);
    });
  }

  it("accepts VRRP passwords keepalived reads as written: a single quote, a backslash, a $ before anything else", () => {
    for (const authPass of ["it's-ok", "back\\sl1", "pa$$word", "$_PWDx12"]) {
      const d = validDescription();
      d.keepalived.authPass = authPass;
      expect(() => parseClusterDescription(stringify(d), "cluster.yaml"), authPass).not.toThrow();
    }
  });

  it("accepts a Heartbeat key with # and !, which Heartbeat reads as written", () => {
    const d = validDescription();
    d.heartbeat.authKey = "0123456789#abc!def";
    expect(parseClusterDescription(stringify(d), "cluster.yaml").heartbeat?.authKey).toBe("0123456789#abc!def");
  });

  it("accepts volumes side by side, in their own slots, and an overlay outside the VPC CIDRs given", () => {
    const d = validDescription();
    secondVolume({ device: "/dev/xvdg", mountPoint: "/srv/data-old" })(d);
    d.vpcCidrs = ["10.0.0.0/16"];
    overlay("10.1.0.5")(d);
    expect(parseClusterDescription(stringify(d), "cluster.yaml").resources.map((r) => r.name)).toEqual([
      "web-vip",
      "web-eip",
      "data",
      "logs",
      "overlay",
    ]);
  });
});

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

  it("refuses deep nesting by its depth, before the parser spends seconds on it", () => {
    expect(problemsOfText(`cluster: web\nnodes: ${"[".repeat(300_000)}${"]".repeat(300_000)}\n`)).toEqual([
      { path: "(file)", message: "line 2 opens more than 64 [ or { at once; a description needs a handful" },
    ]);
    expect(problemsOfText(`${"- ".repeat(300_000)}x\n`)).toEqual([
      { path: "(file)", message: "line 1 is indented or nested more than 256 levels deep; a description needs a handful" },
    ]);
  });

  it("refuses a YAML tag it does not know instead of printing the parser's warning", () => {
    const d = stringify(validDescription()).replace("cluster: web", "cluster: !custom web");
    expect(problemsOfText(d)).toEqual([
      { path: "(file)", message: expect.stringMatching(/^not valid YAML: Unresolved tag: !custom/) as unknown as string },
    ]);
  });

  it("reads a JSON description saved with a byte-order mark and CRLF line ends", () => {
    const text = `\uFEFF${JSON.stringify(validDescription(), null, 2).replaceAll("\n", "\r\n")}`;
    expect(parseClusterDescription(text, "cluster.json").cluster).toBe("web");
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

  it("validates an operator's world-writable copy: rendering runs nothing the description names", () => {
    const open = join(scratch, "shared-copy");
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777);
    const path = writeDescription("shared-copy/cluster.yaml", validDescription());
    chmodSync(path, 0o666);

    const r = runGen(["validate", "--cluster", path]);

    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${path}: valid — cluster web`);
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
