import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AwsHaError } from "../../src/errors";
import { exitCodes } from "../../src/exit-codes";
import { runSession, type SessionSpec } from "../../src/session/session";

// The session every front end runs its command in: the log opens before and closes after, an
// error the command throws is logged and answered with an exit code, and the description's
// secrets never reach a log line.

const spec: SessionSpec = { tag: "aws-ha-notify", logFormat: "text", verbose: false, env: { AWS_HA_SYSLOG: "off" } };

function stderrLines(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  });
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a session", () => {
  it("answers the command's own exit code", async () => {
    expect(await runSession(spec, async () => exitCodes.stopped)).toBe(3);
  });

  it("logs an error the command throws once, and answers with the code of its kind", async () => {
    const lines = stderrLines();
    const code = await runSession(spec, async () => {
      throw new AwsHaError("permission", "ec2:AssociateAddress was denied", { fix: "attach the policy aws-ha-gen iam-policy prints" });
    });
    expect(code).toBe(exitCodes.permission);
    expect(lines).toEqual(["ERROR ec2:AssociateAddress was denied; attach the policy aws-ha-gen iam-policy prints"]);
  });

  it("lets a front end answer an error in its own words (status: unknown)", async () => {
    stderrLines();
    const code = await runSession({ ...spec, failed: () => exitCodes.statusUnknown }, async () => {
      throw new Error("IMDS did not answer");
    });
    expect(code).toBe(4);
  });

  it("keeps the description's secrets out of every line, and every line carries the front end's fields", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aws-ha-session-"));
    try {
      const path = join(dir, "cluster.json");
      writeFileSync(
        path,
        JSON.stringify({
          cluster: "web",
          nodes: [
            { name: "a", address: "10.0.1.10", instanceId: "i-0aaaaaaaaaaaaaaa1", interface: "eth0", priority: 150 },
            { name: "b", address: "10.0.1.11", instanceId: "i-0bbbbbbbbbbbbbbb2", interface: "eth0", priority: 100 },
          ],
          resources: [{ kind: "vip", name: "web-vip", address: "10.0.1.100" }],
          keepalived: { virtualRouterId: 51, authPass: "s3cr3tpw" },
        }),
      );
      const lines = stderrLines();
      await runSession({ ...spec, fields: { ocf: "web-vip-rsc" } }, async (session) => {
        const d = await session.load(path, { trustedUid: false });
        session.log.info(`the pass is ${d.keepalived!.authPass!}`);
        return exitCodes.ok;
      });
      expect(lines).toEqual(["the pass is [redacted] ocf=web-vip-rsc"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
