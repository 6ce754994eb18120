import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The operator's promise: copy one file from bin/ to a machine that has Node.js and nothing else,
// and it runs. So the built files are copied to a fresh directory with no node_modules anywhere
// above it and run from there. `npm test` builds bin/ first.

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const bundles = ["aws-ha-notify", "aws-ha-updateeip", "aws-ha-gen", "aws-ha-fence"] as const;
const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };

let dir = "";
beforeAll(() => {
  for (const name of bundles) if (!existsSync(join(repoRoot, "bin", name))) throw new Error(`bin/${name} is not built: run npm run build`);
  dir = mkdtempSync("/tmp/aws-ha-bundles-");
  for (const name of bundles) copyFileSync(join(repoRoot, "bin", name), join(dir, name));
  copyFileSync(join(repoRoot, "examples", "cluster.yaml"), join(dir, "cluster.yaml"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(name: string, args: string[], env: Record<string, string> = {}, timeoutMs = 20_000) {
  const r = spawnSync(process.execPath, [join(dir, name), ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: timeoutMs,
    // Nothing may be found through the environment either.
    env: { PATH: process.env.PATH, HOME: dir, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the built single-file CLIs, copied away from the repository", () => {
  it("sit in a directory with no node_modules anywhere above", () => {
    for (let d = dir; ; d = dirname(d)) {
      expect(existsSync(join(d, "node_modules")), `${d}/node_modules`).toBe(false);
      if (d === dirname(d)) break;
    }
  });

  for (const name of bundles) {
    it(`${name} is a CommonJS script with a node shebang`, () => {
      const text = readFileSync(join(dir, name), "utf8");
      expect(text.split("\n", 1)[0]).toBe("#!/usr/bin/env node");
      // A classic script compiles only without import/export statements and import.meta: ESM does not.
      expect(() => new Script(text.slice(text.indexOf("\n")), { filename: name })).not.toThrow();
      expect(statSync(join(repoRoot, "bin", name)).mode & 0o111).not.toBe(0);
    });

    it(`${name} answers --help and --version from there`, () => {
      const help = run(name, ["--help"]);
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toContain(name);
      const v = run(name, ["--version"]);
      expect(v.code, v.stderr).toBe(0);
      expect(v.stdout.trim()).toBe(version);
    });
  }

  // Node's recursive mkdir spins for ever below /proc (the kernel answers ENOENT for a parent that
  // exists); each run is bounded, so a spin shows as a killed process.
  it("aws-ha-notify runs without its code cache when the cache directory cannot be made", () => {
    const v = run(
      "aws-ha-notify",
      ["--version"],
      { AWS_HA_CODE_CACHE_DIR: "/proc/aws-ha-nonexistent", AWS_HA_CODE_CACHE_DEBUG: "1" },
      5_000,
    );
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(version);
    expect(v.stderr).toBe("code cache: refused /proc/aws-ha-nonexistent\n");
  });

  it("aws-ha-gen says in one line that it cannot make an --out directory below /proc, and writes nothing", () => {
    const r = run("aws-ha-gen", ["all", "--cluster", join(dir, "cluster.yaml"), "--out", "/proc/aws-ha-nonexistent"], {}, 5_000);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("cannot create /proc/aws-ha-nonexistent");
    expect(r.stderr).toContain("nothing was written");
  });

  it("aws-ha-gen renders every node's files for the copied example", () => {
    const r = run("aws-ha-gen", ["all", "--cluster", join(dir, "cluster.yaml"), "--out", join(dir, "out")]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(dir, "out")).sort()).toEqual([".secrets.json", "db-a", "db-b"]);
    expect(readdirSync(join(dir, "out", "db-a")).sort()).toEqual([
      "INSTALL.md",
      "authkeys",
      "aws-ha-notify.service",
      "ha.cf",
      "haresources",
      "iam-policy.json",
      "keepalived.conf",
    ]);
    expect(readFileSync(join(dir, "out", "db-b", "keepalived.conf"), "utf8")).toContain("unicast_src_ip 10.0.1.12");
  });

  it("aws-ha-gen keeps the secrets it generated owner-only, renders them again, and never prints them", () => {
    const out = join(dir, "secret-out");
    const first = run("aws-ha-gen", ["all", "--cluster", join(dir, "cluster.yaml"), "--out", out]);
    const conf = readFileSync(join(out, "db-a", "keepalived.conf"), "utf8");
    const second = run("aws-ha-gen", ["all", "--cluster", join(dir, "cluster.yaml"), "--out", out]);
    expect([first.code, second.code]).toEqual([0, 0]);

    const saved = JSON.parse(readFileSync(join(out, ".secrets.json"), "utf8")) as Record<string, string>;
    expect(Object.keys(saved).sort()).toEqual(["heartbeatAuthKey", "vrrpAuthPass"]);
    expect(conf).toContain(`auth_pass ${saved.vrrpAuthPass}`);
    expect(readFileSync(join(out, "db-b", "authkeys"), "utf8")).toContain(`1 sha1 ${saved.heartbeatAuthKey}`);
    expect(readFileSync(join(out, "db-a", "keepalived.conf"), "utf8")).toBe(conf);
    for (const secret of Object.values(saved))
      for (const text of [first.stdout, first.stderr, second.stdout, second.stderr]) expect(text).not.toContain(secret);
    for (const file of [".secrets.json", "db-a/authkeys", "db-b/authkeys"])
      expect(statSync(join(out, file)).mode & 0o777, file).toBe(0o600);
    expect(statSync(join(out, "db-a", "keepalived.conf")).mode & 0o777).toBe(0o644);
  });

  it("aws-ha-gen prints the Pacemaker resources of a pacemaker cluster", () => {
    const description = join(dir, "pacemaker.yaml");
    writeFileSync(description, readFileSync(join(dir, "cluster.yaml"), "utf8").replace(/^manager: keepalived$/m, "manager: pacemaker"));
    const r = run("aws-ha-gen", ["pacemaker", "--cluster", description, "--node-cluster", "/etc/aws-ha/cluster.yaml"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("pcs resource create db-data ocf:aws-ha:aws-ha cluster=/etc/aws-ha/cluster.yaml resource=data");
  });

  it("aws-ha-gen carries the example description inside it", () => {
    const written = run("aws-ha-gen", ["init", "--out", join(dir, "from-init.yaml")]);
    expect(written.code, written.stderr).toBe(0);
    expect(readFileSync(join(dir, "from-init.yaml"), "utf8")).toBe(readFileSync(join(repoRoot, "examples", "cluster.yaml"), "utf8"));
    const validated = run("aws-ha-gen", ["validate", "--cluster", join(dir, "from-init.yaml")]);
    expect(validated.code, validated.stderr).toBe(0);
    const again = run("aws-ha-gen", ["init", "--out", join(dir, "from-init.yaml")]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already exists; pass --force to overwrite it");
  });
});
