import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { residentNode } from "../../src/gen/resident-node";

// The resident processes' Node.js flags (keepalived's FIFO reader, the helper's unit) are started on
// every keepalived start and service restart: whatever V8 says about them lands in the operator's log.
describe("the resident processes' Node.js flags", () => {
  it("start Node.js without a word on stderr", () => {
    const run = spawnSync(process.execPath, [...residentNode.slice(2), "-e", "process.stdout.write(String(typeof WebAssembly))"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    // Lite mode: no WebAssembly, which nothing of aws-ha uses.
    expect(run.stdout).toBe("undefined");
  });

  it("are the ones the helper's systemd unit starts it with", () => {
    const unit = readFileSync(new URL("../../packaging/debian/aws-ha-notify.service", import.meta.url), "utf8");
    expect(unit).toContain(`ExecStart=/usr/bin/node ${residentNode.slice(2).join(" ")} /usr/bin/aws-ha-notify serve`);
  });
});
