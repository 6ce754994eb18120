import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { nodeB, resource } from "./support/cluster-fixture";
import { given } from "./support/given";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";
import { builtCli, runCli } from "./support/run-cli";
import { cloudHolders } from "./support/world-view";

// Every Node.js module a cold failover loads is read and evaluated before, or between, its EC2
// calls. These are loaded on first use only (src/platform/, src/time/monotonic.ts,
// src/cloud/collect-body.ts, the build's sdk-crc32-in-js): a keepalived failover that runs no
// command and logs to stderr alone must not load them.
const notOnTheFailoverPath: Record<string, string> = {
  child_process: "no command, logger or detached worker is started",
  zlib: "no CRC32 is computed",
  perf_hooks: "durations use process.hrtime",
  "internal/webstreams/readablestream": "answers are read as Node streams",
  module: "child_process is required, not loaded through createRequire",
};

let world: TwoNodeWorld | undefined;
let dir: string | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A --require hook that writes Node's own record of the modules it loaded as the process ends, and where. */
function moduleListHook(): { list: string; hook: string } {
  dir = mkdtempSync(join(tmpdir(), "aws-ha-builtins-"));
  const list = join(dir, "modules.txt");
  const hook = join(dir, "list-modules.cjs");
  writeFileSync(
    hook,
    `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join("\\n")));\n`,
  );
  return { list, hook };
}

describe("a cold `master` moving a VIP and its Elastic IP", () => {
  it("loads none of the Node.js modules it does not use", async () => {
    const { list, hook } = moduleListHook();
    world = await startTwoNodeWorld({
      resources: () => [resource.vip(), resource.eip()],
      given: (spec) => {
        given.vipOn(spec, nodeB);
        given.eipOn(spec, nodeB);
      },
    });

    const master = await world.a.run(["master"], { env: { NODE_OPTIONS: `--require ${hook}` } });

    expect(master.code, master.stderr).toBe(0);
    expect(cloudHolders(world.snapshot())).toMatchObject({ vip: "node-a", eip: "node-a" });
    const loaded = new Set(
      readFileSync(list, "utf8")
        .split("\n")
        .map((line) => line.replace(/^NativeModule /, "")),
    );
    // The list is Node's: what the calls need is in it.
    expect([...loaded]).toEqual(expect.arrayContaining(["http", "crypto", "vm"]));
    const unexpected = Object.entries(notOnTheFailoverPath)
      .filter(([name]) => loaded.has(name))
      .map(([name, why]) => `${name} (${why})`);
    expect(unexpected).toEqual([]);
  });
});

describe("the start of a command that offers its calls to the resident helper", () => {
  it.each(["aws-ha-notify", "aws-ha-updateeip"] as const)(
    "%s --help loads no node:crypto (only a request to the helper hashes)",
    async (cli) => {
      const { list, hook } = moduleListHook();
      const help = await runCli([builtCli(cli), "--help"], { PATH: process.env.PATH, NODE_OPTIONS: `--require ${hook}` });
      expect(help.code, help.stderr).toBe(0);
      const loaded = readFileSync(list, "utf8").split("\n");
      // The list is Node's: what the start needs is in it.
      expect(loaded).toContain("NativeModule net");
      expect(loaded).not.toContain("NativeModule crypto");
    },
  );
});
