import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { packageHelperUnit } from "../../packaging/debian/helper-unit";
import { daemonsCallingPerEvent, renderNodeHelperUnit } from "../../src/gen/helper-unit";
import { systemdCommandLine } from "../../src/gen/systemd-command-line";
import { clusterOf } from "./support/cluster";

// The resident helper's systemd unit: the package's and the one `aws-ha-gen all` renders for the
// nodes of a cluster whose daemons start one aws-ha-notify per event.

const vip = [{ kind: "vip", name: "web-vip", address: "10.0.1.100" }];
const descriptionWith = (settings: Record<string, unknown>, resources: unknown[] = vip) => clusterOf(resources, settings);

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("the helper's systemd unit", () => {
  it("is rendered for the daemons that start one aws-ha-notify per event, and not for keepalived's FIFO reader", () => {
    expect(daemonsCallingPerEvent(descriptionWith({ manager: "keepalived", keepalived: { virtualRouterId: 51 } }))).toEqual([]);
    expect(
      daemonsCallingPerEvent(descriptionWith({ manager: "keepalived", keepalived: { virtualRouterId: 51, notifyFifo: false } })),
    ).toEqual(["keepalived (notifyFifo: false)"]);
    expect(daemonsCallingPerEvent(descriptionWith({ manager: "heartbeat" }))).toEqual(["Heartbeat"]);
    // haresources hands Elastic IPs alone to aws-ha-updateeip, which offers its actions to the helper too.
    const eipsAlone = [{ kind: "eip", name: "web-eip", allocationId: "eipalloc-0a00000000000000e" }];
    expect(daemonsCallingPerEvent(descriptionWith({ manager: "heartbeat" }, eipsAlone))).toEqual(["Heartbeat"]);
    expect(daemonsCallingPerEvent(descriptionWith({ manager: "pacemaker" }))).toEqual(["Pacemaker"]);
  });

  it("starts the helper as keepalived's FIFO reader is started: node found on PATH, the resident flags, the node's description", () => {
    const unit = renderNodeHelperUnit(
      descriptionWith({ manager: "heartbeat", paths: { notify: "/opt/aws ha/aws-ha-notify" } }),
      "/etc/aws-ha/cluster.yaml",
    );
    expect(unit).toContain(
      '\nExecStart=/usr/bin/env node --lite-mode --max-semi-space-size=1 "/opt/aws ha/aws-ha-notify" --cluster /etc/aws-ha/cluster.yaml serve\n',
    );
    // Without the package there is no man page to point at.
    expect(unit).not.toContain("Documentation=");
    expect(packageHelperUnit()).toContain("\nDocumentation=man:aws-ha-notify(1)\n");
  });

  it("writes words systemd would otherwise split or expand so that it runs them as given", () => {
    expect(systemdCommandLine(["/usr/bin/env", "/opt/my dir/x", "50%", "$HOME", 'say "hi"', "back\\slash"])).toBe(
      '/usr/bin/env "/opt/my dir/x" 50%% $$HOME "say \\"hi\\"" "back\\\\slash"',
    );
    expect(() => systemdCommandLine(["/usr/bin/env", "a\nb"])).toThrow(/control character/);
    expect(() => systemdCommandLine([""])).toThrow(/empty/);
  });

  it("is a unit systemd accepts (systemd-analyze verify)", () => {
    const analyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
    expect(analyze.error, "systemd-analyze is needed (Debian package systemd): nothing may skip").toBeUndefined();
    dir = mkdtempSync(join(tmpdir(), "aws-ha-unit-"));
    const notify = join(dir, "aws-ha-notify");
    writeFileSync(notify, "#!/bin/sh\n", { mode: 0o755 });
    const file = join(dir, "aws-ha-notify.service");
    writeFileSync(file, renderNodeHelperUnit(descriptionWith({ manager: "pacemaker", paths: { notify } }), "/etc/aws-ha/cluster.yaml"));
    const verify = spawnSync("systemd-analyze", ["verify", "--man=no", file], { encoding: "utf8", timeout: 30_000 });
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stderr).toBe("");
  });
});
