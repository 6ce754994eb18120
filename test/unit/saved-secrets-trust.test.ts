import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { exitCodeFor } from "../../src/exit-codes";
import { runAll } from "../../src/cli/gen/run";
import { AwsHaError } from "../../src/errors";

// `aws-ha-gen all --out DIR` keeps generated secrets in DIR/.secrets.json and renders them into
// every node's keepalived.conf and authkeys on the next run. A .secrets.json someone else planted
// (or could read) would hand the cluster a key they know: it is refused with the fix, and nothing
// is rendered from it.

const asRoot = process.getuid!() === 0;
const planted = { vrrpAuthPass: "planted1", heartbeatAuthKey: "planted-heartbeat-key-0123456789" };

let base: string;
let out: string;
let cluster: string;

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "aws-ha-secrets-")));
  chmodSync(base, 0o755);
  out = join(base, "out");
  mkdirSync(out, { mode: 0o755 });
  chmodSync(out, 0o755);
  cluster = join(base, "cluster.yaml");
  writeFileSync(
    cluster,
    stringify({
      cluster: "web",
      nodes: [
        { name: "lb-a", address: "10.0.1.10", instanceId: "i-0a1b2c3d4e5f60001", priority: 150 },
        { name: "lb-b", address: "10.0.1.11", instanceId: "i-0a1b2c3d4e5f60002", priority: 100 },
      ],
      resources: [{ kind: "vip", name: "web-vip", address: "10.0.1.100" }],
      keepalived: { virtualRouterId: 51 },
      heartbeat: {},
      paths: { runDir: "/run/aws-ha" },
    }),
  );
});

afterEach(() => rmSync(base, { recursive: true, force: true }));

function plant(secrets: Record<string, string>, mode: number): string {
  const path = join(out, ".secrets.json");
  writeFileSync(path, JSON.stringify(secrets));
  chmodSync(path, mode);
  return path;
}

function render(): string[] {
  const printed: string[] = [];
  runAll({ cluster, out }, { env: {}, print: (t) => void printed.push(t) });
  return printed;
}

/** The refusal as aws-ha-gen prints it; fails the test when the render went ahead. */
function refusal(): string {
  try {
    render();
  } catch (e) {
    expect(e).toBeInstanceOf(AwsHaError);
    expect(exitCodeFor(e)).toBe(6);
    return (e as AwsHaError).describe();
  }
  throw new Error("the render went ahead");
}

describe("aws-ha-gen uses saved secrets only when nobody else could have planted or read them", () => {
  it("renders a .secrets.json this user owns, mode 0600, into keepalived.conf and authkeys", () => {
    plant(planted, 0o600);

    render();

    expect(readFileSync(join(out, "lb-a", "keepalived.conf"), "utf8")).toContain("auth_pass planted1");
    expect(readFileSync(join(out, "lb-b", "authkeys"), "utf8")).toContain(`1 sha1 ${planted.heartbeatAuthKey}`);
  });

  it("refuses a .secrets.json that others can read (mode 0644), with the fix, and renders nothing", () => {
    const path = plant(planted, 0o644);

    expect(refusal()).toBe(
      `the saved secrets ${path} could have been planted or read by another user, and they would go into every node's configuration: file ${path} is readable or writable by group or others (mode 0644); chmod 0600 ${path} (or delete it to generate new secrets, then install the new files on every node at once)`,
    );
    expect(existsSync(join(out, "lb-a"))).toBe(false);
  });

  it.skipIf(!asRoot)("refuses a .secrets.json another user owns, even with mode 0600", () => {
    const path = plant(planted, 0o600);
    chownSync(path, 1000, 1000);

    expect(refusal()).toBe(
      `the saved secrets ${path} could have been planted or read by another user, and they would go into every node's configuration: file ${path} is owned by uid 1000, not root; chown root:root ${path} (or delete it to generate new secrets, then install the new files on every node at once)`,
    );
    expect(existsSync(join(out, "lb-a"))).toBe(false);
  });

  it("refuses a .secrets.json in an output directory others can write", () => {
    chmodSync(out, 0o777);
    plant(planted, 0o600);

    expect(refusal()).toContain(`directory ${out} is writable by`);
    expect(existsSync(join(out, "lb-a"))).toBe(false);
  });

  it("refuses a hand-edited VRRP password keepalived would cut at its #", () => {
    const path = plant({ ...planted, vrrpAuthPass: "ab#cdefg" }, 0o600);

    expect(refusal()).toBe(
      `${path}: vrrpAuthPass "#" starts a comment in keepalived.conf, so keepalived would use only "ab"; use letters, digits and punctuation other than # ! { } "; repair it, or delete it to generate new secrets (then install the new files on every node at once)`,
    );
  });
});
