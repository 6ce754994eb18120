import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseClusterDescription } from "../../src/cluster/parse";
import type { ClusterDescription, ClusterNode } from "../../src/cluster/schema";
import { clusterFiles } from "../../src/gen/output-files";
import { scriptSecurityProblems } from "../../src/gen/script-security";
import { authPassProblem } from "../../src/cluster/daemon-secrets";
import { renderKeepalivedConf } from "../../src/gen/keepalived";
import { resolveSecrets } from "../../src/gen/secrets";

// Every keepalived.conf aws-ha-gen renders must be accepted by the real keepalived: `keepalived -t
// -e -f FILE` run inside a network namespace that owns the node's interface and address (reference
// §2: any non-zero exit is a rejection; a missing interface alone gives 5). keepalived -t says
// nothing about scripts, so each script the config names must also exist and pass keepalived's
// script security, checked the way keepalived checks it.

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const clusterPathOnNodes = "/etc/aws-ha/cluster.yaml";

function blocker(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces)";
  if (spawnSync("sh", ["-c", "command -v keepalived && command -v ip"]).status !== 0)
    return "needs keepalived and ip (apt-get install keepalived iproute2)";
  return undefined;
}
const skip = blocker();
if (skip) console.warn(`gen-keepalived: skipped, ${skip}`);

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const readRaw = (path: string): Raw => parse(readFileSync(join(repoRoot, path), "utf8")) as Raw;
const variant = (path: string, change: (d: Raw) => void): Raw => {
  const d = readRaw(path);
  change(d);
  return d;
};

/** The descriptions whose configs must pass: the example, the golden ones, and one per feature. */
const descriptions: [name: string, raw: Raw][] = [
  ["the example (notify FIFO, health check, VRRPv2)", readRaw("examples/cluster.yaml")],
  ["golden two nodes (notify_* hooks, weighted check, overlay route)", readRaw("test/unit/golden/two-node-keepalived.yaml")],
  ["golden three nodes (VRRPv3, preempt, FIFO)", readRaw("test/unit/golden/three-node.yaml")],
  ["notify_master/backup/fault/stop instead of the FIFO", variant("examples/cluster.yaml", (d) => (d.keepalived.notifyFifo = false))],
  [
    "VRRPv3 with sub-second adverts",
    variant("examples/cluster.yaml", (d) => Object.assign(d.keepalived, { vrrpVersion: 3, advertInterval: 0.25 })),
  ],
  [
    "preemption without a health check",
    variant("examples/cluster.yaml", (d) => {
      d.keepalived.preempt = true;
      delete d.keepalived.healthCheck;
    }),
  ],
  [
    "a health check with a quoted argument and a negative weight",
    variant("examples/cluster.yaml", (d) => {
      d.keepalived.healthCheck = {
        command: ["/usr/bin/pg_isready", "--dbname", "two words"],
        interval: 1,
        timeout: 1,
        fall: 3,
        rise: 1,
        weight: -60,
      };
    }),
  ],
  [
    "IPv6 VIP and IPv6 overlay route beside the IPv4 ones (virtual_ipaddress_excluded)",
    variant("examples/cluster.yaml", (d) => {
      d.nodes[0].address6 = "2001:db8:0:1::11";
      d.nodes[1].address6 = "2001:db8:0:1::12";
      d.resources.push({ kind: "vip", name: "service-ip6", address: "2001:db8:0:1::100" });
      d.resources.push({ kind: "route", name: "overlay6", address: "2001:db8:ff00::1", routeTables: ["rtb-0123456789abcdef0"] });
    }),
  ],
];

// A root-owned, 0755 tree standing in for the nodes' script locations: the shipped aws-ha-notify
// (or, before a build, a shell stand-in) and a health check.
const scriptRoot = mkdtempSync("/tmp/aws-ha-gen-ka-");
afterAll(() => rmSync(scriptRoot, { recursive: true, force: true }));
chmodSync(scriptRoot, 0o755);
const installedNotify = join(scriptRoot, "bin", "aws-ha-notify");
const installedCheck = join(scriptRoot, "bin", "health-check");
mkdirSync(join(scriptRoot, "bin"), { mode: 0o755 });
chmodSync(join(scriptRoot, "bin"), 0o755);
if (existsSync(join(repoRoot, "bin", "aws-ha-notify"))) copyFileSync(join(repoRoot, "bin", "aws-ha-notify"), installedNotify);
else writeFileSync(installedNotify, "#!/bin/sh\nexit 0\n");
writeFileSync(installedCheck, "#!/bin/sh\nexit 0\n");
for (const f of [installedNotify, installedCheck]) chmodSync(f, 0o755);

/** The same description with its scripts where this machine has them. */
function withInstalledScripts(raw: Raw): Raw {
  const d = structuredClone(raw);
  d.paths = { ...d.paths, notify: installedNotify };
  if (d.keepalived.healthCheck) d.keepalived.healthCheck.command = [installedCheck, ...d.keepalived.healthCheck.command.slice(1)];
  return d;
}

function keepalivedConfs(raw: Raw, label: string): { node: ClusterNode; d: ClusterDescription; conf: string }[] {
  const d = parseClusterDescription(stringify(raw), `${label}.yaml`);
  // A fixed "random" source: both renderings of a description must carry the same password.
  const { secrets } = resolveSecrets(d, undefined, (size) => Buffer.alloc(size, 0x5a));
  const files = clusterFiles(d, { clusterPath: clusterPathOnNodes, secrets, iam: {} });
  return d.nodes.map((node) => {
    const conf = files.find((f) => f.path === `${node.name}/keepalived.conf`);
    if (!conf) throw new Error(`no keepalived.conf rendered for ${node.name}`);
    return { node, d, conf: conf.content };
  });
}

/** Runs argv and returns its exit code and output; bounded in time. */
function run(argv: string[]): { code: number | null; output: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 20_000 });
  return { code: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

let namespaces = 0;
/** A namespace holding the node's interface (a veth pair, both ends inside) with its address up. */
function nodeNamespace(node: ClusterNode, prefix: number): { ns: string; remove: () => void } {
  const ns = `ahg-ka-${process.pid}-${namespaces++}`;
  const remove = () => void run(["ip", "netns", "del", ns]);
  const step = (argv: string[]) => {
    const r = run(argv);
    if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${r.output}`);
  };
  step(["ip", "netns", "add", ns]);
  try {
    step(["ip", "-n", ns, "link", "add", node.interface, "type", "veth", "peer", "name", "peer0"]);
    step(["ip", "-n", ns, "addr", "add", `${node.address}/${prefix}`, "dev", node.interface]);
    // The veths carry the node's IPv6 address too (nodad: no second of "tentative" before keepalived starts).
    if (node.address6) step(["ip", "-n", ns, "addr", "add", `${node.address6}/64`, "dev", node.interface, "nodad"]);
    for (const link of ["lo", node.interface, "peer0"]) step(["ip", "-n", ns, "link", "set", link, "up"]);
  } catch (e) {
    remove();
    throw e;
  }
  return { ns, remove };
}

function withNodeNamespace<T>(node: ClusterNode, prefix: number, body: (ns: string) => T): T {
  const { ns, remove } = nodeNamespace(node, prefix);
  try {
    return body(ns);
  } finally {
    remove();
  }
}

function keepalivedTest(ns: string, conf: string, name: string): { code: number | null; output: string } {
  const file = join(scriptRoot, `${name}.conf`);
  writeFileSync(file, conf, { mode: 0o644 });
  return run(["ip", "netns", "exec", ns, "keepalived", "-t", "-e", "-f", file]);
}

/** The executables a keepalived.conf runs: each script line's first word. */
function scriptsOf(conf: string): string[] {
  const lines = conf.split("\n").map((l) => l.trim());
  const quoted = lines.flatMap((l) => {
    const m = /^(?:script|vrrp_notify_fifo_script|notify_master|notify_backup|notify_fault|notify_stop|notify)\s+"([^"]*)"/.exec(l);
    if (!m) return [];
    // The FIFO reader's line starts node with the resident flags: keepalived checks /usr/bin/env, and the script is the word after them.
    const words = m[1]!.split(" ");
    return words[0] === "/usr/bin/env" ? [words[0], words.find((w, k) => k > 1 && !w.startsWith("--"))!] : [words[0]!];
  });
  return [...new Set(quoted)];
}

/** The IPv4 VIP's prefix: the node's address shares its subnet. */
function prefixOf(d: ClusterDescription): number {
  for (const r of d.resources) if (r.kind === "vip" && !r.address.includes(":")) return r.prefix ?? 24;
  return 24;
}

describe.skipIf(skip !== undefined)("keepalived accepts every keepalived.conf aws-ha-gen renders", () => {
  descriptions.forEach(([label, raw], i) => {
    it(`for ${label}`, async () => {
      // keepalived -t disables (and fails on) a track script it cannot find, so the configs are
      // tested as rendered for scripts installed on this machine: identical but for those paths.
      const asRendered = keepalivedConfs(raw, `case${i}`);
      const installed = keepalivedConfs(withInstalledScripts(raw), `case${i}-installed`);
      const originalCheck = raw.keepalived.healthCheck?.command[0] as string | undefined;
      for (const [n, { node, d, conf }] of installed.entries()) {
        const backToRendered = conf
          .replaceAll(installedNotify, asRendered[n]!.d.paths.notify)
          .replaceAll(installedCheck, originalCheck ?? installedCheck);
        expect(backToRendered).toBe(asRendered[n]!.conf);

        const scripts = scriptsOf(conf);
        expect(scripts).toContain(installedNotify);
        if (originalCheck) expect(scripts).toContain(installedCheck);
        for (const script of scripts) {
          expect(existsSync(script), `${script} named in ${node.name}'s config does not exist`).toBe(true);
          expect(await scriptSecurityProblems(script), script).toEqual([]);
        }

        const result = withNodeNamespace(node, prefixOf(d), (ns) => keepalivedTest(ns, conf, `case${i}-${node.name}`));
        expect(result.code, `keepalived -t rejected ${node.name}'s config:\n${result.output}\n--- config ---\n${conf}`).toBe(0);
      }
    });
  });

  it("would notice a rejection: a config in a namespace without its interface fails", () => {
    const { node, d, conf } = keepalivedConfs(withInstalledScripts(readRaw("examples/cluster.yaml")), "control")[0]!;
    const renamed = { ...node, interface: "other0" };
    const result = withNodeNamespace(renamed, prefixOf(d), (ns) => keepalivedTest(ns, conf, "control"));
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("interface eth0 for vrrp_instance VI_db doesn't exist");
  });

  it("with IPv6 addresses only, keepalived warns of no VIP, exactly as for a description without any address", () => {
    const dualStack = (d: Raw) => {
      d.nodes[0].address6 = "2001:db8:0:1::11";
      d.nodes[1].address6 = "2001:db8:0:1::12";
    };
    const ipv6Only = variant("examples/cluster.yaml", (d) => {
      dualStack(d);
      d.resources = [{ kind: "vip", name: "service-ip6", address: "2001:db8:0:1::100" }, ...d.resources.slice(2)];
    });
    const none = variant("examples/cluster.yaml", (d) => {
      dualStack(d);
      d.resources = d.resources.slice(2);
    });
    const answers = [ipv6Only, none].map((raw, n) => {
      const { node, d, conf } = keepalivedConfs(withInstalledScripts(raw), `no-ipv4-${n}`)[0]!;
      return withNodeNamespace(node, prefixOf(d), (ns) => keepalivedTest(ns, conf, `no-ipv4-${n}`));
    });
    for (const answer of answers) {
      expect(answer.code).toBe(5);
      expect([...new Set(answer.output.trim().split("\n"))]).toEqual(["(VI_db) No VIP specified; at least one is sensible"]);
    }
  });

  it("IPv6 addresses go in virtual_ipaddress_excluded, because in the IPv4 instance's virtual_ipaddress keepalived refuses them", () => {
    const raw = variant("examples/cluster.yaml", (d) => {
      d.nodes[0].address6 = "2001:db8:0:1::11";
      d.nodes[1].address6 = "2001:db8:0:1::12";
      d.resources.push({ kind: "vip", name: "service-ip6", address: "2001:db8:0:1::100" });
    });
    const { node, d, conf } = keepalivedConfs(withInstalledScripts(raw), "ipv6-control")[0]!;
    expect(conf).toContain("    virtual_ipaddress {\n        10.0.1.100/24 dev eth0\n    }\n");
    expect(conf).toMatch(/ {4}virtual_ipaddress_excluded \{\n {8}2001:db8:0:1::100\/64 dev eth0\n {4}\}\n/);

    // The same address moved into virtual_ipaddress: the rendering this test keeps us from.
    const mixed = conf
      .replace(/ {4}# IPv6 addresses[^\n]*\n {4}virtual_ipaddress_excluded \{\n {8}(\S+ dev eth0)\n {4}\}\n/, "")
      .replace("        10.0.1.100/24 dev eth0\n", "        10.0.1.100/24 dev eth0\n        2001:db8:0:1::100/64 dev eth0\n");
    expect(mixed).not.toContain("virtual_ipaddress_excluded");
    const result = withNodeNamespace(node, prefixOf(d), (ns) => keepalivedTest(ns, mixed, "ipv6-mixed"));
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("address family must match VRRP instance [2001:db8:0:1::100/64] - ignoring");
  });
});

// What keepalived makes of auth_pass, character by character: validation must refuse exactly the
// passwords keepalived would not read as written (src/cluster/daemon-secrets.ts). keepalived -d
// dumps the parsed configuration, the password included, as soon as it starts (line-buffered by
// stdbuf, or a pipe would hold the dump until the daemon ends); the daemon runs
// in the node's namespace, with a notify script that does nothing, and is stopped right after.
describe.skipIf(skip !== undefined)("keepalived reads a VRRP password exactly when validation accepts it", () => {
  const raw = variant("examples/cluster.yaml", (d) => {
    d.keepalived.notifyFifo = false;
    delete d.keepalived.healthCheck;
  });
  const d = parseClusterDescription(stringify(raw), "auth-pass.yaml");
  const node = d.nodes[0]!;
  const harmless = join(scriptRoot, "bin", "notify-nothing");
  writeFileSync(harmless, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  chmodSync(harmless, 0o755);
  let namespace: { ns: string; remove: () => void } | undefined;
  afterAll(() => namespace?.remove());

  /** The password keepalived parsed from the rendered config, or undefined when it parsed none. */
  async function passwordKeepalivedReads(pass: string, n: number): Promise<string | undefined> {
    namespace ??= nodeNamespace(node, prefixOf(d));
    const conf = renderKeepalivedConf({ ...d, paths: { ...d.paths, notify: harmless } }, node.name, {
      clusterPath: clusterPathOnNodes,
      secrets: { vrrpAuthPass: pass },
    });
    const file = join(scriptRoot, `auth-pass-${n}.conf`);
    writeFileSync(file, conf, { mode: 0o644 });
    const pidFiles = ["-p", join(scriptRoot, `auth-pass-${n}.pid`), "-r", join(scriptRoot, `auth-pass-${n}.vrrp.pid`)];
    const daemon = spawn(
      "ip",
      ["netns", "exec", namespace.ns, "stdbuf", "-oL", "-eL", "keepalived", "-n", "-l", "-D", "-d", "-G", "-P", "-f", file, ...pidFiles],
      {
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    let exited = false;
    daemon.stdout!.on("data", (b: Buffer) => (output += b.toString()));
    daemon.stderr!.on("data", (b: Buffer) => (output += b.toString()));
    const exit = new Promise<void>((resolve) => daemon.on("exit", () => resolve(void (exited = true))));
    const password = () => / Password = (.*)$/m.exec(output)?.[1];
    for (const end = Date.now() + 10_000; Date.now() < end && password() === undefined && !exited;)
      await new Promise((r) => setTimeout(r, 50));
    if (!exited) process.kill(-daemon.pid!, "SIGTERM");
    await Promise.race([exit, new Promise((r) => setTimeout(r, 5_000))]);
    if (!exited) process.kill(-daemon.pid!, "SIGKILL");
    return password();
  }

  // What keepalived 2.2.7 made of each refused password (undefined: it refused the configuration).
  const misread: [pass: string, read: string | undefined][] = [
    ["ab#cdefg", "ab"],
    ["secret!1", "secret"],
    ["ab{cdefg", "ab"],
    ["ab}cdefg", "ab"],
    ['ab"cd"ef', "ab"],
    ['ab"cdefg', "ab"],
    // $_PWD is keepalived's working directory, the configuration's own, cut to 8 characters.
    ["ab$_PWD", `ab${scriptRoot}`.slice(0, 8)],
    ["a$_BANG)", "a"],
    ["$_HASH,x", undefined],
  ];
  const readAsWritten = ["it's-ok", "back\\sl1", "pa$$word", "$_PWDx12", "x~@%^&*(", "[]|;:,.<", ">?/=+-_`", "Zz09-_Aa"];

  misread.forEach(([pass, read], n) =>
    it(`validation refuses ${pass}, which keepalived reads as ${read ?? "an error"}`, async () => {
      expect(authPassProblem(pass)).toBeDefined();
      expect(await passwordKeepalivedReads(pass, n)).toBe(read);
    }),
  );
  readAsWritten.forEach((pass, n) =>
    it(`validation accepts ${pass}, which keepalived reads as written`, async () => {
      expect(authPassProblem(pass)).toBeUndefined();
      expect(await passwordKeepalivedReads(pass, misread.length + n)).toBe(pass);
    }),
  );
});
