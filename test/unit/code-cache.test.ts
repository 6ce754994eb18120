import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embedWithCodeCache } from "../../src/build/embed";

// The built CLIs start through a bootstrap that compiles the real bundle with V8's code cache. These
// scenarios run a small embedded bundle (and the built aws-ha-gen when bin/ holds one) as separate
// processes, the way keepalived starts them, and look at what they leave in the cache directory.

const fixtureBundle = `#!/usr/bin/env node
"use strict";
const { hostname } = require("node:os");
if (process.argv.includes("parsed")) globalThis.__AWS_HA_PARSED_DESCRIPTION__ = true;
import("node:path").then(({ basename }) => {
  process.stdout.write(JSON.stringify({ file: basename(__filename), dir: __dirname, exportsIsModuleExports: exports === module.exports, host: typeof hostname() }) + "\\n");
  process.exitCode = Number(/^\\d+$/.test(process.argv[2] ?? "") ? process.argv[2] : 0);
});
`;

let root = "";
let bin = "";

beforeAll(() => {
  root = mkdtempSync("/tmp/aws-ha-code-cache-");
  bin = join(root, "aws-ha-fixture");
  writeFileSync(bin, fixtureBundle, { mode: 0o755 });
  embedWithCodeCache([bin]);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function freshCacheDir(name: string): string {
  const dir = join(root, name, "cache");
  mkdirSync(join(root, name), { recursive: true });
  return dir;
}

function run(file: string, args: string[], env: Record<string, string>, timeoutMs = 20_000) {
  const r = spawnSync(process.execPath, [file, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: timeoutMs,
    env: { PATH: process.env.PATH, HOME: root, AWS_HA_CODE_CACHE_DEBUG: "1", ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cacheFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".cache")) : []);

describe("a CLI started through the code-cache bootstrap", () => {
  it("runs the embedded bundle as the CommonJS module of its own file, exit code and stdout intact", () => {
    const r = run(bin, ["3"], { AWS_HA_CODE_CACHE_DIR: freshCacheDir("module") });
    expect(r.code, r.stderr).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({ file: "aws-ha-fixture", dir: root, exportsIsModuleExports: true, host: "string" });
    expect(r.stdout).not.toContain("code cache");
  });

  it("misses on the first run, leaves an owner-only cache in an owner-only directory, and hits on the second", () => {
    const dir = freshCacheDir("twice");
    const first = run(bin, ["0"], { AWS_HA_CODE_CACHE_DIR: dir });
    expect(first.stderr).toContain("code cache: miss");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [file] = cacheFiles(dir);
    expect(file).toMatch(new RegExp(`^aws-ha-fixture-run-[0-9a-f]{16}-${process.version}-${process.arch}\\.cache$`));
    expect(statSync(join(dir, file!)).mode & 0o777).toBe(0o600);

    const second = run(bin, ["0"], { AWS_HA_CODE_CACHE_DIR: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain("code cache: hit");
    expect(second.stderr).not.toContain("written");
  });

  it("ignores a cache directory that others may write to, and still runs", () => {
    const dir = freshCacheDir("group-writable");
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o770);
    for (let i = 0; i < 2; i++) {
      const r = run(bin, ["0"], { AWS_HA_CODE_CACHE_DIR: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`code cache: refused ${dir}`);
    }
    expect(cacheFiles(dir)).toEqual([]);
  });

  it("rejects a corrupted cache file and replaces it with a good one", () => {
    const dir = freshCacheDir("corrupted");
    run(bin, ["0"], { AWS_HA_CODE_CACHE_DIR: dir });
    const file = join(dir, cacheFiles(dir)[0]!);
    const good = readFileSync(file);
    writeFileSync(file, Buffer.alloc(good.length, 0x5a));

    const rejected = run(bin, ["0"], { AWS_HA_CODE_CACHE_DIR: dir });
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stderr).toContain("code cache: rejected");
    expect(readFileSync(file).equals(Buffer.alloc(good.length, 0x5a))).toBe(false);
    expect(run(bin, ["0"], { AWS_HA_CODE_CACHE_DIR: dir }).stderr).toContain("code cache: hit");
  });

  it("runs without a cache, at once, when its directory cannot be made (below /proc)", () => {
    // Node's own recursive mkdir spins for ever on /proc/x/y: the kernel answers ENOENT for a
    // parent that exists. The command must neither hang nor fail.
    for (const dir of ["/proc/aws-ha-nonexistent/cache", "/proc/aws-ha-nonexistent"]) {
      const r = run(bin, ["4"], { AWS_HA_CODE_CACHE_DIR: dir }, 5_000);
      expect(r.code, `${dir}: ${r.stderr}`).toBe(4);
      expect(r.stderr).toContain(`code cache: refused ${dir}`);
      expect(JSON.parse(r.stdout)).toMatchObject({ file: "aws-ha-fixture" });
    }
  });

  it("writes nothing when turned off", () => {
    const dir = freshCacheDir("off");
    const r = run(bin, ["0"], { AWS_HA_CODE_CACHE_DIR: dir, AWS_HA_CODE_CACHE: "off" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("code cache: off");
    expect(existsSync(dir)).toBe(false);
  });

  it("keeps --help runs apart from real ones, so a --help run never decides what a failover finds cached", () => {
    const dir = freshCacheDir("profiles");
    run(bin, ["--help"], { AWS_HA_CODE_CACHE_DIR: dir });
    expect(run(bin, ["0"], { AWS_HA_CODE_CACHE_DIR: dir }).stderr).toContain("code cache: miss");
    expect(
      cacheFiles(dir)
        .map((n) => n.split("-")[3])
        .sort(),
    ).toEqual(["help", "run"]);
  });

  it("keeps looks (status, show, check, monitor, dry runs) apart from the runs that act", () => {
    const dir = freshCacheDir("looks");
    run(bin, ["status"], { AWS_HA_CODE_CACHE_DIR: dir });
    run(bin, ["master", "--dry-run"], { AWS_HA_CODE_CACHE_DIR: dir });
    expect(run(bin, ["master"], { AWS_HA_CODE_CACHE_DIR: dir }).stderr).toContain("code cache: miss");
    expect(run(bin, ["MONITOR"], { AWS_HA_CODE_CACHE_DIR: dir }).stderr).toContain("code cache: hit");
    expect(
      cacheFiles(dir)
        .map((n) => n.split("-")[3])
        .sort(),
    ).toEqual(["look", "run"]);
  });

  it("removes the caches other builds left, of every kind of run, when it writes its own", () => {
    const dir = freshCacheDir("other-builds");
    mkdirSync(dir, { mode: 0o700 });
    const hash = /__AWS_HA_BUNDLE_HASH__="([0-9a-f]+)"/.exec(readFileSync(bin, "latin1"))![1]!;
    const planted = (name: string) => writeFileSync(join(dir, name), "stale", { mode: 0o600 });
    planted(`aws-ha-fixture-look-0123456789abcdef-${process.version}-${process.arch}.cache`);
    planted(`aws-ha-fixture-runflags0b4a4b8d-0123456789abcdef-${process.version}-${process.arch}.cache`);
    planted(`aws-ha-fixture-help-${hash}-${process.version}-${process.arch}.cache`);
    planted(`aws-ha-other-run-0123456789abcdef-${process.version}-${process.arch}.cache`);

    expect(run(bin, ["master"], { AWS_HA_CODE_CACHE_DIR: dir }).stderr).toContain("code cache: miss");

    expect(cacheFiles(dir).sort()).toEqual(
      [
        `aws-ha-fixture-help-${hash}-${process.version}-${process.arch}.cache`,
        `aws-ha-fixture-run-${hash}-${process.version}-${process.arch}.cache`,
        `aws-ha-other-run-0123456789abcdef-${process.version}-${process.arch}.cache`,
      ].sort(),
    );
  });

  it("leaves the cache to the next run when this one parsed the description, whose code later runs skip", () => {
    const dir = freshCacheDir("parsed");
    const first = run(bin, ["master", "parsed"], { AWS_HA_CODE_CACHE_DIR: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("code cache: not written: this run parsed the description");
    expect(cacheFiles(dir)).toEqual([]);

    expect(run(bin, ["master"], { AWS_HA_CODE_CACHE_DIR: dir }).stderr).toContain("code cache: miss");
    expect(run(bin, ["master"], { AWS_HA_CODE_CACHE_DIR: dir }).stderr).toContain("code cache: hit");
    expect(cacheFiles(dir)).toHaveLength(1);
  });
});

describe("a CLI started with V8 flags of its own (the resident helper's unit)", () => {
  it("keeps a cache of its own, so that it and the plain runs each hit theirs instead of rewriting one file in turns", () => {
    const dir = freshCacheDir("flags");
    const withFlags = () => {
      const r = spawnSync(process.execPath, ["--max-semi-space-size=1", bin, "0"], {
        cwd: root,
        encoding: "utf8",
        timeout: 20_000,
        env: { PATH: process.env.PATH, HOME: root, AWS_HA_CODE_CACHE_DEBUG: "1", AWS_HA_CODE_CACHE_DIR: dir },
      });
      return { code: r.status, stderr: r.stderr };
    };
    const plain = () => run(bin, ["0"], { AWS_HA_CODE_CACHE_DIR: dir });

    expect(plain().stderr).toContain("code cache: miss");
    expect(withFlags().stderr).toContain("code cache: miss");
    const again = [plain(), withFlags(), plain()];

    for (const r of again) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("code cache: hit");
    }
    expect(
      cacheFiles(dir)
        .map((n) => n.split("-")[3]!.replace(/[0-9a-f]{8}$/, "…"))
        .sort(),
    ).toEqual(["run", "runflags…"]);
  });
});

describe("the built aws-ha-gen", () => {
  const built = join(process.cwd(), "bin", "aws-ha-gen");
  it.skipIf(!existsSync(built))("creates its cache on the first run and uses it on the second", () => {
    const copy = join(root, "aws-ha-gen");
    copyFileSync(built, copy);
    const dir = freshCacheDir("built");
    const first = run(copy, ["--version"], { AWS_HA_CODE_CACHE_DIR: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("code cache: miss");
    const second = run(copy, ["--version"], { AWS_HA_CODE_CACHE_DIR: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain("code cache: hit");
    expect(cacheFiles(dir)).toHaveLength(1);
  });
});
