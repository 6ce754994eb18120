import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { packageHelperUnit } from "../../packaging/debian/helper-unit";
import { renderHelperUnit } from "../../src/gen/helper-unit";
import { residentNode } from "../../src/gen/resident-node";

// The resident processes' Node.js flags (keepalived's FIFO reader, the helper's unit) go into
// generated configs that outlive a Node.js upgrade: a flag one version rejects ("bad option", exit
// 9) stops the reader and the helper for good. The unit tests run on Node.js 20 and on the current LTS.
describe("the resident processes' Node.js flags", () => {
  it("start this Node.js in lite mode", () => {
    const run = spawnSync(process.execPath, [...residentNode.slice(2), "-e", "process.stdout.write(String(typeof WebAssembly))"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status, run.stderr).toBe(0);
    // Lite mode leaves no WebAssembly, which nothing of aws-ha uses.
    expect(run.stdout).toBe("undefined");
    // Node.js 20's V8 says so at every start; later ones say nothing. Nothing else is said.
    expect(run.stderr.replace("Warning: disabling flag --expose_wasm due to conflicting flags\n", "")).toBe("");
  });

  it("are the ones the helper's systemd units start it with, the package's and those aws-ha-gen renders", () => {
    expect(packageHelperUnit()).toContain(`\nExecStart=/usr/bin/node ${residentNode.slice(2).join(" ")} /usr/bin/aws-ha-notify serve\n`);
    const rendered = renderHelperUnit({ node: residentNode, notifyPath: "/usr/local/bin/aws-ha-notify", manPage: false });
    expect(rendered).toContain(`\nExecStart=${residentNode.join(" ")} /usr/local/bin/aws-ha-notify serve\n`);
  });
});
