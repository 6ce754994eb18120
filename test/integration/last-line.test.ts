import { afterEach, describe, expect, it } from "vitest";
import { cloudAndLocal, ids, nodeB, resource } from "./support/cluster-fixture";
import { given } from "./support/given";
import { builtCli, runCli } from "./support/run-cli";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";

// The last line a transition logs says what moved where, in the words operators grep for
// ("acquire done", "release done"), through the shipped CLIs against the EC2 and IMDS stand-ins.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The last line a run wrote to stderr. */
const lastLine = (stderr: string): string => stderr.trimEnd().split("\n").at(-1)!;

describe("given node B holds the VIP, the Elastic IP and the overlay route", () => {
  it("A's `master` closes with what it took from node-b, then a second `master` says only what ran again", async () => {
    world = await startTwoNodeWorld({ resources: cloudAndLocal, given: (spec) => given.cloudOn(spec, nodeB) });

    const master = await world.a.run(["master"]);

    expect(master.code, master.stderr).toBe(0);
    const line = lastLine(master.stderr);
    expect(line).toMatch(/^acquire done: /);
    expect(line).toContain(`vip ${ids.vip} from node-b`);
    expect(line).toContain(`eip ${ids.publicIp} → ${ids.vip} from node-b`);
    expect(line).toContain(`route ${ids.overlay}`);
    expect(line).toContain("hook promote ran");
    expect(line).toContain("service app started");
    expect(line).toMatch(/\(\d+\.\d s\) event=master changed=4 ms=\d+$/);

    const again = await world.a.run(["master"]);

    // The hook runs on every acquire; everything else was already here and is not listed.
    expect(lastLine(again.stderr)).toMatch(/^acquire done: hook promote ran \(\d+\.\d s\) event=master changed=1 ms=\d+$/);
  });

  it("with nothing to move, the line says so and counts what was already here", async () => {
    world = await startTwoNodeWorld({ resources: cloudAndLocal, given: (spec) => given.cloudOn(spec, nodeB) });

    const master = await world.b.run(["master", "--only", "web-vip,web-eip,overlay"]);

    expect(master.code, master.stderr).toBe(0);
    expect(lastLine(master.stderr)).toMatch(
      /^acquire done: nothing to change \(all 3 resources already here\) \(\d+\.\d s\) event=master changed=0 /,
    );
  });
});

describe("aws-ha-updateeip", () => {
  it("start closes with the Elastic IP it associated", async () => {
    world = await startTwoNodeWorld({ resources: () => [resource.eipOnPrimary()] });
    const bin = builtCli("aws-ha-updateeip");

    const start = await runCli([bin, ids.allocationId, "start"], world.a.envWith({ AWS_HA_CLUSTER: world.a.clusterFile }));

    expect(start.code, start.stderr).toBe(0);
    expect(lastLine(start.stderr)).toMatch(
      new RegExp(`^acquire done: eip ${ids.publicIp.replace(/\./g, "\\.")} → this node's address \\(`),
    );
  });
});
