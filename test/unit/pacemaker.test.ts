import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseClusterDescription } from "../../src/cluster/parse";
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

  it("fences every node through aws-ha's own fence_aws_ha with its instance id, and leaves it stopped", () => {
    const map = example.nodes.map((n) => `${n.name}:${n.instanceId}`).join(";");
    const stonith = commands.find((l) => l.startsWith("pcs stonith create"))!;
    expect(stonith).toMatch(/^pcs stonith create db-fence fence_aws_ha region=eu-west-1 description=\/etc\/aws-ha\/cluster.yaml /);
    expect(stonith).toContain(`pcmk_host_map="${map}"`);
    expect(stonith).toContain("pcmk_reboot_action=off");
    // Pacemaker kills the agent at its timeout: the agent's own wait for `stopped` must end first.
    const power = Number(/power_timeout=(\d+)/.exec(stonith)![1]);
    expect(Number(/pcmk_off_timeout=(\d+)s/.exec(stonith)![1])).toBeGreaterThan(power);
    expect(Number(/pcmk_reboot_timeout=(\d+)s/.exec(stonith)![1])).toBeGreaterThan(power);
  });

  it("delays fencing the node of the highest priority, so that it wins a race of mutual fencing", () => {
    const favourite = [...example.nodes].sort((a, b) => b.priority - a.priority)[0]!;
    const delays = /pcmk_delay_base="([^"]+)"/.exec(script)![1]!.split(";");
    expect(delays).toEqual(example.nodes.map((n) => `${n.name}:${n === favourite ? 5 : 0}s`));
  });

  it("renders Debian's fence_aws when asked to", () => {
    const legacy = renderPacemaker(example, { clusterPath: "/etc/aws-ha/cluster.yaml", fenceAgent: "fence_aws" });
    expect(legacy).toContain(`pcs stonith create db-fence fence_aws region=eu-west-1 \\\n  pcmk_host_map=`);
    expect(legacy).not.toContain("fence_aws_ha");
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
