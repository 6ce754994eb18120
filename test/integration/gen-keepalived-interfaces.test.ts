import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseClusterDescription } from "../../src/cluster/parse";
import { renderKeepalivedConf } from "../../src/gen/keepalived";

// A node with two interfaces: VRRP speaks over the first, a VIP on eth1 is listed with `dev eth1`.
// The real keepalived accepts that config (`keepalived -t -e`) in a network namespace holding both
// interfaces, and refuses it where eth1 is missing: so the `dev` it reads is the one we wrote.

function blocker(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces)";
  if (spawnSync("sh", ["-c", "command -v keepalived && command -v ip"]).status !== 0) return "needs keepalived and ip";
  return undefined;
}
const skip = blocker();
if (skip) console.warn(`gen-keepalived-interfaces: skipped, ${skip}`);

const dir = mkdtempSync(join(tmpdir(), "aws-ha-ka-if-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const description = parseClusterDescription(
  stringify({
    cluster: "web",
    manager: "keepalived",
    nodes: [
      {
        name: "lb-a",
        address: "10.0.1.10",
        instanceId: "i-0a1b2c3d4e5f60001",
        priority: 150,
        interfaces: [{ name: "eth0" }, { name: "eth1", address: "10.0.2.10" }],
      },
      {
        name: "lb-b",
        address: "10.0.1.11",
        instanceId: "i-0a1b2c3d4e5f60002",
        priority: 100,
        interfaces: [{ name: "eth0" }, { name: "eth1", address: "10.0.2.11" }],
      },
    ],
    resources: [
      { kind: "vip", name: "app-vip", address: "10.0.1.100" },
      { kind: "vip", name: "web-vip", address: "10.0.2.100", interface: "eth1" },
      { kind: "route", name: "overlay", address: "192.168.100.1", routeTables: ["rtb-0a1b2c3d4e5f60c01"], interface: "eth1" },
    ],
    keepalived: { virtualRouterId: 51, authPass: "s3cretpw" },
  }),
  "cluster.yaml",
);

function run(argv: string[]): { code: number | null; output: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 20_000 });
  return { code: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

let namespaces = 0;
/** keepalived -t -e on `conf` in a namespace holding `links` (veths, each with its address, up). */
function keepalivedTest(conf: string, links: { name: string; address: string }[]): { code: number | null; output: string } {
  const ns = `ahg-kaif-${process.pid}-${namespaces++}`;
  const step = (argv: string[]) => {
    const r = run(argv);
    if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${r.output}`);
  };
  step(["ip", "netns", "add", ns]);
  try {
    links.forEach((link, i) => {
      step(["ip", "-n", ns, "link", "add", link.name, "type", "veth", "peer", "name", `peer${i}`]);
      step(["ip", "-n", ns, "addr", "add", `${link.address}/24`, "dev", link.name]);
      for (const up of [link.name, `peer${i}`]) step(["ip", "-n", ns, "link", "set", up, "up"]);
    });
    const file = join(dir, `${ns}.conf`);
    writeFileSync(file, conf, { mode: 0o644 });
    return run(["ip", "netns", "exec", ns, "keepalived", "-t", "-e", "-f", file]);
  } finally {
    run(["ip", "netns", "del", ns]);
  }
}

describe.skipIf(skip !== undefined)("keepalived.conf of a node with a second interface", () => {
  const conf = renderKeepalivedConf(description, "lb-a", {
    clusterPath: "/etc/aws-ha/cluster.yaml",
    secrets: { vrrpAuthPass: "s3cretpw" },
  });

  it("lists the eth1 addresses with dev eth1 and keeps VRRP on eth0", () => {
    expect(conf).toMatch(/^\s*interface eth0$/m);
    expect(conf).toMatch(/^\s*10\.0\.1\.100\/24 dev eth0$/m);
    expect(conf).toMatch(/^\s*10\.0\.2\.100\/24 dev eth1$/m);
    expect(conf).toMatch(/^\s*192\.168\.100\.1\/32 dev eth1$/m);
  });

  it("is accepted by keepalived on a node that has eth0 and eth1", () => {
    const result = keepalivedTest(conf, [
      { name: "eth0", address: "10.0.1.10" },
      { name: "eth1", address: "10.0.2.10" },
    ]);
    expect(result.code, result.output).toBe(0);
  });

  it("is refused by keepalived on a node without eth1, which it names", () => {
    const result = keepalivedTest(conf, [{ name: "eth0", address: "10.0.1.10" }]);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("interface eth1 for ip address 10.0.2.100/24 doesn't exist");
  });
});
