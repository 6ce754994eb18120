import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadClusterDescription } from "../../src/cluster/load";
import { AwsHaError } from "../../src/errors";
import { descriptionCache } from "../../src/session/description-cache";

// A built CLI keeps the validated description of each version of the file, so that a failover skips
// parsing and validating it again. Safe only when a changed file, a new build, an untrusted source or
// an untrusted cache each lead back to the full parse (or the refusal) they would get without it.
// Whether the cache was used shows in a doctored entry: only a load served from the cache sees it.

let base: string;
let cacheDir: string;
const build = globalThis as { __AWS_HA_BUILD__?: string; __AWS_HA_PARSED_DESCRIPTION__?: boolean };

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "aws-ha-description-cache-")));
  chmodSync(base, 0o755);
  cacheDir = join(base, "cache");
  build.__AWS_HA_BUILD__ = "build-one";
});
afterEach(() => {
  delete build.__AWS_HA_BUILD__;
  delete build.__AWS_HA_PARSED_DESCRIPTION__;
  rmSync(base, { recursive: true, force: true });
});

const env = () => ({ AWS_HA_CODE_CACHE_DIR: cacheDir });
const text = (cluster: string) =>
  [
    `cluster: ${cluster}`,
    "nodes:",
    "  - { name: lb-a, address: 10.0.1.10, instanceId: i-0a1b2c3d4e5f60001, priority: 150 }",
    "  - { name: lb-b, address: 10.0.1.11, instanceId: i-0a1b2c3d4e5f60002, priority: 100 }",
    "resources:",
    "  - { kind: vip, name: web-vip, address: 10.0.1.100 }",
    "keepalived: { virtualRouterId: 51 }",
    "",
  ].join("\n");

function source(cluster = "web", mode = 0o644): string {
  const path = join(base, "cluster.yaml");
  writeFileSync(path, text(cluster));
  chmodSync(path, mode);
  return path;
}

const load = (path: string) => loadClusterDescription(path, { parsed: descriptionCache(env()) });
const entries = () => (existsSync(join(cacheDir, "descriptions")) ? readdirSync(join(cacheDir, "descriptions")) : []);

/** Rewrites every cached entry's cluster name: a load that returns it was served from the cache. */
function doctorEntries(cluster: string): void {
  for (const name of entries()) {
    const file = join(cacheDir, "descriptions", name);
    writeFileSync(file, readFileSync(file, "utf8").replace(/"cluster":"[^"]*"/, `"cluster":"${cluster}"`));
  }
}

describe("validated descriptions kept between runs", () => {
  it("keeps the first load's result in an owner-only file, and serves the next load of the same text from it", async () => {
    const path = source();
    expect((await load(path)).cluster).toBe("web");
    expect(entries()).toHaveLength(1);
    expect(readdirSync(cacheDir, { withFileTypes: true }).every((d) => d.isDirectory())).toBe(true);

    doctorEntries("from-cache");
    expect((await load(path)).cluster).toBe("from-cache");
  });

  it("parses a changed file again, and keeps only the newest version of it", async () => {
    const path = source("web");
    await load(path);
    doctorEntries("from-cache");

    source("webx");
    expect((await load(path)).cluster).toBe("webx");
    expect(entries()).toHaveLength(1);
  });

  it("a new build parses again", async () => {
    const path = source();
    await load(path);
    doctorEntries("from-cache");

    build.__AWS_HA_BUILD__ = "build-two";
    expect((await load(path)).cluster).toBe("web");
  });

  it("still refuses a source others may write, whatever the cache holds", async () => {
    const path = source();
    await load(path);
    chmodSync(path, 0o666);

    await expect(load(path)).rejects.toThrow(AwsHaError);
  });

  it("ignores a cache directory others may write to", async () => {
    const path = source();
    await load(path);
    doctorEntries("from-cache");
    chmodSync(join(cacheDir, "descriptions"), 0o777);

    expect((await load(path)).cluster).toBe("web");
  });

  it("is not used when the file's owner is not checked, nor outside a built CLI", async () => {
    const path = source();
    await load(path);
    doctorEntries("from-cache");
    expect((await loadClusterDescription(path, { trustedUid: false, parsed: descriptionCache(env()) })).cluster).toBe("web");

    delete build.__AWS_HA_BUILD__;
    expect(descriptionCache(env())).toBeUndefined();
  });

  it("tells the built CLI's start when this run parsed what the next run will find validated, so that the next run keeps its compiled code", async () => {
    const path = source();
    await loadClusterDescription(path, { trustedUid: false, parsed: descriptionCache(env()) });
    expect(build.__AWS_HA_PARSED_DESCRIPTION__).toBeUndefined();

    await load(path);
    expect(build.__AWS_HA_PARSED_DESCRIPTION__).toBe(true);

    delete build.__AWS_HA_PARSED_DESCRIPTION__;
    await load(path);
    expect(build.__AWS_HA_PARSED_DESCRIPTION__).toBeUndefined();
  });
});
