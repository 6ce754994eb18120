import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadClusterDescription } from "../../src/cluster/load";
import { AwsHaError } from "../../src/errors";
import { resourcesFor } from "../../src/kinds/registry";

// A description is a few kilobytes in a regular file. Whatever else --cluster names — a FIFO nobody
// writes to, /dev/zero, a log file, a directory — is refused at once with a message naming it,
// and a description as large as aws-ha allows still loads completely.

const scratch = mkdtempSync(join(tmpdir(), "aws-ha-bounds-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const nodes = [
  { name: "lb-a", address: "10.0.1.10", instanceId: "i-0a1b2c3d4e5f60001", priority: 150 },
  { name: "lb-b", address: "10.0.1.11", instanceId: "i-0a1b2c3d4e5f60002", priority: 100 },
];

/** The refusal, as the CLI would print it; fails the test when the load succeeds. */
async function refusal(path: string): Promise<string> {
  try {
    await loadClusterDescription(path, { trustedUid: false });
  } catch (e) {
    expect(e).toBeInstanceOf(AwsHaError);
    expect((e as AwsHaError).kind).toBe("config");
    return (e as AwsHaError).describe();
  }
  throw new Error(`${path} was accepted`);
}

describe("--cluster names something that is not a description", () => {
  it("refuses a FIFO without waiting for a writer", async () => {
    const fifo = join(scratch, "cluster.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);

    expect(await refusal(fifo)).toBe(
      `the cluster description ${fifo} is a FIFO, not a regular file; point --cluster (or AWS_HA_CLUSTER) at the YAML or JSON file itself`,
    );
  });

  it("refuses /dev/zero without reading it", async () => {
    expect(await refusal("/dev/zero")).toMatch(/^the cluster description \/dev\/zero is a character device, not a regular file; /);
  });

  it("refuses a directory", async () => {
    const dir = join(scratch, "cluster.d");
    mkdirSync(dir);
    expect(await refusal(dir)).toMatch(/ is a directory, not a regular file; /);
  });

  it("refuses a file of more than 1 MiB before parsing it", async () => {
    const big = join(scratch, "big.yaml");
    const text = `cluster: web\n# ${"x".repeat(1024 * 1024)}\n`;
    writeFileSync(big, text);

    expect(await refusal(big)).toBe(
      `the cluster description ${big} is ${text.length} bytes; aws-ha reads at most 1048576 bytes (1 MiB); point --cluster (or AWS_HA_CLUSTER) at the YAML or JSON file itself`,
    );
  });
});

describe("a description at the limits", () => {
  it("loads 256 resources, each waiting for exactly what it should", async () => {
    const resources = Array.from({ length: 256 }, (_, i) => {
      if (i % 4 === 0) return { kind: "route", name: `route-${i}`, address: `192.168.${i}.1`, routeTables: ["rtb-0a1b2c3d4e5f60001"] };
      if (i % 4 === 1) return { kind: "vip", name: `vip-${i}`, address: `10.0.1.${i % 250}`, prefix: 24 };
      if (i % 4 === 2) return { kind: "hook", name: `hook-${i}`, acquire: ["/usr/local/bin/promote", String(i)] };
      return { kind: "service", name: `svc-${i}`, unit: `svc-${i}.service` };
    });
    // The VIPs take 10.0.1.1 … 10.0.1.249; the nodes sit above them in the same subnet.
    const path = join(scratch, "large.yaml");
    writeFileSync(
      path,
      stringify({
        cluster: "web",
        nodes: nodes.map((n, k) => ({ ...n, address: `10.0.1.${251 + k}` })),
        resources,
        keepalived: { virtualRouterId: 51 },
      }),
    );

    const built = resourcesFor(await loadClusterDescription(path, { trustedUid: false }));

    expect(built.map((r) => r.name)).toEqual(resources.map((r) => r.name));
    const cloud = resources.filter((r) => r.kind === "route" || r.kind === "vip").map((r) => r.name);
    const hooks = resources.filter((r) => r.kind === "hook").map((r) => r.name);
    expect(built.find((r) => r.name === "vip-1")!.dependsOn).toEqual([]);
    expect(built.find((r) => r.name === "hook-2")!.dependsOn).toEqual(cloud);
    expect(built.find((r) => r.name === "svc-255")!.dependsOn).toEqual([...cloud, ...hooks].sort(byPosition(resources)));
  });
});

/** Orders names by their place in the description. */
function byPosition(resources: { name: string }[]): (a: string, b: string) => number {
  const at = new Map(resources.map((r, i) => [r.name, i]));
  return (a, b) => at.get(a)! - at.get(b)!;
}
