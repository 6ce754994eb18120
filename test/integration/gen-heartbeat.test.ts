import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseClusterDescription } from "../../src/cluster/parse";
import type { ClusterNode } from "../../src/cluster/schema";
import { runHeartbeat } from "../../src/cli/gen/run";

// The ha.cf, haresources and authkeys aws-ha-gen writes must be accepted by the real Heartbeat
// 3.0.6. It has no config-test flag, so each node's files are given to the daemon itself, as
// reference §5 ran it: in a private mount and UTS namespace (its /etc/ha.d, /var/lib/heartbeat and
// /run are the test's, its host name is the node's) inside a network namespace that owns the
// node's interface. Heartbeat logs "Configuration validated. Starting heartbeat 3.0.6" after ha.cf
// and authkeys, then reads haresources and starts one read and one write process per medium; an
// error in any of them is logged as ERROR and ends it with exit 6. Accepted means: that line, no
// ERROR, still running, with both ucast processes up.

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const heartbeatBinary = "/usr/libexec/heartbeat/heartbeat";
const accepted = "Configuration validated. Starting heartbeat 3.0.6";

function blocker(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (mount, UTS and network namespaces)";
  if (!existsSync(heartbeatBinary)) return `${heartbeatBinary} is missing (apt-get install heartbeat)`;
  if (spawnSync("sh", ["-c", "command -v ip && command -v unshare && getent passwd hacluster"]).status !== 0)
    return "needs ip, unshare and the hacluster user of the heartbeat package";
  return undefined;
}
const skip = blocker();
if (skip) console.warn(`gen-heartbeat: skipped, ${skip}`);

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const readRaw = (path: string): Raw => parse(readFileSync(join(repoRoot, path), "utf8")) as Raw;

const descriptions: [name: string, raw: Raw][] = [
  ["golden pair of Elastic IPs (aws-ha-updateeip, 500 ms keepalive)", readRaw("test/unit/golden/two-node-heartbeat.yaml")],
  ["the example (aws-ha-notify in haresources, generated key)", readRaw("examples/cluster.yaml")],
  [
    // Heartbeat reads the key as the line's third word (a # is a comment only at a line's start);
    // measured: two nodes whose keys differ only after the # refuse each other ("authtoken does
    // not match").
    "a key with # and ! in it, which Heartbeat reads whole",
    (() => {
      const d = readRaw("test/unit/golden/two-node-heartbeat.yaml");
      d.heartbeat.authKey = "golden#heartbeat!key-0002";
      return d;
    })(),
  ],
  [
    "manager heartbeat with a VIP and a volume, no failback",
    (() => {
      const d = readRaw("examples/cluster.yaml");
      d.manager = "heartbeat";
      delete d.keepalived;
      d.heartbeat.autoFailback = false;
      return d;
    })(),
  ],
];

const scratch = mkdtempSync("/tmp/aws-ha-gen-hb-");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(argv: string[]): { code: number | null; output: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 20_000 });
  return { code: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

function step(argv: string[]): void {
  const r = run(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${r.output}`);
}

/** Renders a node's files with `aws-ha-gen heartbeat` into a copy of the packaged /etc/ha.d. */
function renderNode(descriptionFile: string, secretsFile: string, node: ClusterNode, dir: string): string {
  const haDir = join(dir, "ha.d");
  cpSync("/etc/ha.d", haDir, { recursive: true });
  const printed: string[] = [];
  runHeartbeat(
    { cluster: descriptionFile, node: node.name, out: haDir, secrets: secretsFile },
    { env: {}, print: (t) => void printed.push(t) },
  );
  expect(printed.join("")).toContain(`wrote ${join(haDir, "authkeys")}`);
  return haDir;
}

interface Daemon {
  child: ChildProcess;
  output: () => string;
  exited: () => number | null | undefined;
}

/** Heartbeat in the foreground (-f), leading its own process group so the group can be killed. */
function startHeartbeat(ns: string, node: ClusterNode, haDir: string, libDir: string): Daemon {
  const setup = [
    `mount --bind ${haDir} /etc/ha.d`,
    `mount --bind ${libDir} /var/lib/heartbeat`,
    "mount -t tmpfs -o mode=0755,size=1m hb-run /run",
    "mkdir /run/heartbeat && chown hacluster:haclient /run/heartbeat && chmod 0750 /run/heartbeat",
    `hostname ${node.name}`,
    `exec ${heartbeatBinary} -f`,
  ].join(" && ");
  const child = spawn("ip", ["netns", "exec", ns, "unshare", "--mount", "--uts", "--propagation", "private", "sh", "-ec", setup], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  let code: number | null | undefined;
  child.stdout!.on("data", (b: Buffer) => (text += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (text += b.toString()));
  child.on("exit", (c) => (code = c));
  return { child, output: () => text, exited: () => code };
}

async function waitUntil(condition: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end && !condition();) await new Promise((r) => setTimeout(r, 100));
}

/** The commands of the processes in a process group. */
function groupCommands(pgid: number): string[] {
  return run(["ps", "-eo", "pgid=,args="])
    .output.split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter(([g]) => Number(g) === pgid)
    .map(([, ...args]) => args.join(" "));
}

async function stop(daemon: Daemon): Promise<void> {
  const pid = daemon.child.pid!;
  if (daemon.exited() !== undefined) return;
  process.kill(-pid, "SIGTERM");
  await waitUntil(() => daemon.exited() !== undefined, 10_000);
  if (daemon.exited() === undefined) {
    process.kill(-pid, "SIGKILL");
    await waitUntil(() => daemon.exited() !== undefined, 5_000);
  }
}

/** A network namespace with the node's interface, and the daemon's state directories. */
async function withHeartbeat<T>(node: ClusterNode, haDir: string, body: (daemon: Daemon) => Promise<T>): Promise<T> {
  const ns = `ahg-hb-${process.pid}-${node.name.replace(/[^a-z0-9]/gi, "").slice(0, 12)}`;
  const libDir = join(haDir, "..", "lib");
  step(["cp", "-a", "/var/lib/heartbeat/.", libDir]);
  step(["ip", "netns", "add", ns]);
  let daemon: Daemon | undefined;
  try {
    step(["ip", "-n", ns, "link", "add", node.interface, "type", "veth", "peer", "name", "peer0"]);
    step(["ip", "-n", ns, "addr", "add", `${node.address}/24`, "dev", node.interface]);
    for (const link of ["lo", node.interface, "peer0"]) step(["ip", "-n", ns, "link", "set", link, "up"]);
    daemon = startHeartbeat(ns, node, haDir, libDir);
    return await body(daemon);
  } finally {
    if (daemon) await stop(daemon);
    run(["ip", "netns", "del", ns]);
  }
}

describe.skipIf(skip !== undefined)("Heartbeat 3.0.6 accepts the files aws-ha-gen heartbeat writes", () => {
  descriptions.forEach(([label, raw], i) => {
    it(`for ${label}`, async () => {
      const descriptionFile = join(scratch, `case${i}.yaml`);
      writeFileSync(descriptionFile, stringify(raw));
      const secretsFile = join(scratch, `case${i}.secrets.json`);
      const d = parseClusterDescription(stringify(raw), descriptionFile);

      for (const node of d.nodes) {
        const haDir = renderNode(descriptionFile, secretsFile, node, mkdtempSync(join(scratch, `case${i}-`)));
        expect(statSync(join(haDir, "authkeys")).mode & 0o777).toBe(0o600);

        await withHeartbeat(node, haDir, async (daemon) => {
          const media = () =>
            groupCommands(daemon.child.pid!).filter(
              (c) => c.startsWith("heartbeat: write: ucast") || c.startsWith("heartbeat: read: ucast"),
            );
          await waitUntil(() => daemon.exited() !== undefined || (daemon.output().includes(accepted) && media().length === 2), 20_000);
          const log = daemon.output();
          expect(daemon.exited(), `Heartbeat stopped on ${node.name}'s files:\n${log}`).toBeUndefined();
          expect(log, `no acceptance line from Heartbeat on ${node.name}:\n${log}`).toContain(accepted);
          expect(log).not.toMatch(/ERROR:/);
          expect(media().sort()).toEqual([`heartbeat: read: ucast ${node.interface}`, `heartbeat: write: ucast ${node.interface}`]);
        });
      }
      // A generated key is kept, owner-only, so that both nodes were rendered with the same one.
      if (raw.heartbeat.authKey === undefined) expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    });
  });

  async function rejection(change: (haDir: string) => void): Promise<{ code: number | null | undefined; log: string }> {
    const raw = readRaw("test/unit/golden/two-node-heartbeat.yaml");
    const descriptionFile = join(scratch, "control.yaml");
    writeFileSync(descriptionFile, stringify(raw));
    const node = parseClusterDescription(stringify(raw), descriptionFile).nodes[0]!;
    const haDir = renderNode(descriptionFile, join(scratch, "control.secrets.json"), node, mkdtempSync(join(scratch, "control-")));
    change(haDir);
    return withHeartbeat(node, haDir, async (daemon) => {
      await waitUntil(() => daemon.exited() !== undefined, 20_000);
      return { code: daemon.exited(), log: daemon.output() };
    });
  }

  it("would notice a rejection: authkeys readable by others ends Heartbeat with exit 6", async () => {
    const { code, log } = await rejection((haDir) => chmodSync(join(haDir, "authkeys"), 0o644));
    expect(code).toBe(6);
    expect(log).toContain("Bad permissions on keyfile");
  });

  it("would notice a rejection: a haresources node that ha.cf does not name ends Heartbeat with exit 6", async () => {
    const { code, log } = await rejection((haDir) => {
      const path = join(haDir, "haresources");
      writeFileSync(path, readFileSync(path, "utf8").replace(/^mx1\.example\.internal /m, "mx9.example.internal "));
    });
    expect(code).toBe(6);
    expect(log).toContain("ERROR: Bad nodename in /etc/ha.d//haresources [mx9.example.internal]");
  });
});
