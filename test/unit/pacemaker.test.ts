import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseClusterDescription } from "../../src/cluster/load";
import { renderPacemaker } from "../../src/gen/pacemaker";
import { AwsHaError } from "../../src/errors";

const example = parseClusterDescription(readFileSync("examples/cluster.yaml", "utf8"), "examples/cluster.yaml");

describe("aws-ha-gen pacemaker", () => {
  const script = renderPacemaker(example, { clusterPath: "/etc/aws-ha/cluster.yaml" });
  // One command per entry, with its backslash-continued lines joined.
  const commands = script.replace(/\\\n\s*/g, "").split("\n");
  const creates = commands.filter((l) => l.startsWith("pcs resource create"));

  it("creates one OCF resource per resource of the description, in one group", () => {
    expect(creates).toHaveLength(example.resources.length);
    for (const r of example.resources) expect(script).toContain(`resource=${r.name} `);
    for (const line of creates) expect(line).toMatch(/--group db-group$/);
  });

  it("starts the volume before the addresses and the services last", () => {
    const kinds = creates.map((l) => example.resources.find((r) => l.includes(`resource=${r.name} `))!.kind);
    expect(kinds[0]).toBe("volume");
    expect(kinds.indexOf("eip")).toBeGreaterThan(kinds.indexOf("vip"));
    expect(kinds.at(-1)).toBe("service");
  });

  it("fences every node through fence_aws with its instance id", () => {
    const map = example.nodes.map((n) => `${n.name}:${n.instanceId}`).join(";");
    expect(script).toContain(`pcs stonith create db-fence fence_aws region=eu-west-1`);
    expect(script).toContain(`pcmk_host_map="${map}"`);
  });

  it("gives a volume's start enough time for the peer's release, fencing and the attach", () => {
    const volumeLine = creates.find((l) => l.includes(`resource=${example.resources.find((r) => r.kind === "volume")!.name} `))!;
    const needed =
      example.fencing.peerReleaseTimeout + (example.fencing.enabled ? example.fencing.stopTimeout : 0) + 2 * example.timeouts.volume;
    const start = Number(/start timeout=(\d+)s/.exec(volumeLine)![1]);
    expect(start).toBeGreaterThanOrEqual(needed);
  });

  it("refuses without a region to fence in", () => {
    let error: unknown;
    try {
      renderPacemaker({ ...example, region: undefined }, { clusterPath: "/etc/aws-ha/cluster.yaml" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AwsHaError);
    expect((error as AwsHaError).describe()).toMatch(/needs the region.*pass --region R/);
  });
});
