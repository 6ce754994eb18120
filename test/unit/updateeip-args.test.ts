import { describe, expect, it } from "vitest";
import { parseUpdateEipArgs } from "../../src/cli/updateeip/args";

// Heartbeat turns `aws-ha-updateeip::ARG::ARG` into `aws-ha-updateeip ARG ARG ACTION`: the action is
// always the last word, whatever came before it.

const run = (argv: string[]) => {
  const parsed = parseUpdateEipArgs(argv);
  if (parsed.kind !== "run") throw new Error(`expected a run, got ${parsed.kind}`);
  return parsed.args;
};

describe("aws-ha-updateeip arguments", () => {
  it("reads an allocation id and a private IP before the action", () => {
    expect(run(["eipalloc-0123456789abcdef0", "10.0.1.100", "start"])).toMatchObject({
      action: "start",
      address: { allocationId: "eipalloc-0123456789abcdef0" },
      privateIp: "10.0.1.100",
      release: false,
    });
  });

  it("reads a public IP, and no address at all (the description's Elastic IPs)", () => {
    expect(run(["203.0.113.10", "status"])).toMatchObject({ action: "status", address: { publicIp: "203.0.113.10" } });
    expect(run(["stop"])).toMatchObject({ action: "stop", address: undefined });
  });

  it("takes --release wherever haresources puts it", () => {
    expect(run(["--release", "eipalloc-0123456789abcdef0", "stop"]).release).toBe(true);
    expect(run(["eipalloc-0123456789abcdef0", "--release", "stop"]).release).toBe(true);
  });

  it("maps the LSB actions: force-reload restarts, condrestart is try-restart, monitor is status", () => {
    expect(run(["force-reload"]).action).toBe("restart");
    expect(run(["condrestart"]).action).toBe("try-restart");
    expect(run(["monitor"]).action).toBe("status");
    expect(run(["START"]).action).toBe("start");
  });

  it("answers reload as unimplemented, not as a bad argument", () => {
    expect(parseUpdateEipArgs(["eipalloc-0123456789abcdef0", "reload"])).toEqual({ kind: "unimplemented", action: "reload" });
  });

  it("takes --cluster and --log-format only by their exact names", () => {
    expect(run(["--cluster=/etc/x.yaml", "--log-format", "json", "start"])).toMatchObject({ cluster: "/etc/x.yaml", logFormat: "json" });
    expect(() => parseUpdateEipArgs(["--clusterx=/etc/x.yaml", "start"])).toThrow("unknown option --clusterx");
    expect(() => parseUpdateEipArgs(["--cluster-file", "/etc/x.yaml", "start"])).toThrow("unknown option --cluster-file");
    expect(() => parseUpdateEipArgs(["--log-formats=json", "start"])).toThrow("unknown option --log-formats");
    expect(() => parseUpdateEipArgs(["--release=no", "stop"])).toThrow("unknown option --release=no");
    expect(() => parseUpdateEipArgs(["--cluster=", "start"])).toThrow("--cluster needs a value");
    expect(() => parseUpdateEipArgs(["--cluster", "--release", "stop"])).toThrow('--cluster needs a value, not the option "--release"');
  });

  it("a word with one dash is judged as an address or an action, never read as an option", () => {
    expect(() => parseUpdateEipArgs(["-r", "stop"])).toThrow('"-r" is neither an allocation id');
    expect(() => parseUpdateEipArgs(["-hx", "start"])).toThrow('"-hx" is neither an allocation id');
    expect(() => parseUpdateEipArgs(["-rxv", "10.0.1.100", "stop"])).toThrow('"-rxv" is neither an allocation id');
    expect(() => parseUpdateEipArgs(["-h=1"])).toThrow('unknown action "-h=1"');
    expect(() => parseUpdateEipArgs(["--", "start"])).toThrow('unknown option "--"');
  });

  it("reads left to right: --help answers unless a refused option comes before it", () => {
    expect(parseUpdateEipArgs(["--help", "--frobnicate"])).toEqual({ kind: "help" });
    expect(parseUpdateEipArgs(["-h", "--cluster="])).toEqual({ kind: "help" });
    expect(() => parseUpdateEipArgs(["--frobnicate", "--help"])).toThrow("unknown option --frobnicate");
    expect(() => parseUpdateEipArgs(["--cluster", "-h", "start"])).toThrow('--cluster needs a value, not the option "-h"');
  });

  it("an action word that is also a name of every JavaScript object is an unknown action", () => {
    for (const word of ["constructor", "toString", "__proto__"])
      expect(() => parseUpdateEipArgs([word])).toThrow(`unknown action ${JSON.stringify(word)}`);
  });

  it("refuses what Heartbeat could not have meant", () => {
    expect(() => parseUpdateEipArgs([])).toThrow(/no action/);
    expect(() => parseUpdateEipArgs(["eipalloc-0123456789abcdef0", "halt"])).toThrow(/unknown action "halt"/);
    expect(() => parseUpdateEipArgs(["web", "start"])).toThrow(/neither an allocation id/);
    expect(() => parseUpdateEipArgs(["203.0.113.10", "10.0.1.100", "10.0.1.101", "start"])).toThrow(/too many arguments/);
  });
});
