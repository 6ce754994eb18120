import { describe, expect, it } from "vitest";
import { parseNotifyArgs } from "../../src/cli/notify-args";

const commandOf = (...argv: string[]) => parseNotifyArgs(argv).command;

describe("how the daemons call aws-ha-notify", () => {
  it("keepalived's specific notify scripts pass one state word", () => {
    expect(commandOf("master")).toEqual({ kind: "transition", transition: { direction: "acquire", cause: "master" }, lsb: false });
    expect(commandOf("backup", "--cluster", "/etc/c.yaml")).toMatchObject({ transition: { direction: "release", cause: "backup" } });
    expect(commandOf("fault")).toMatchObject({ transition: { direction: "release" } });
  });

  it("keepalived's generic notify appends INSTANCE|GROUP NAME STATE PRIORITY after the configured words", () => {
    expect(commandOf("--cluster=/etc/c.yaml", "INSTANCE", "VI_1", "MASTER", "150")).toEqual({
      kind: "transition",
      transition: { direction: "acquire", cause: "MASTER", instance: "VI_1" },
      lsb: false,
    });
    expect(commandOf("GROUP", "G1", "BACKUP", "0")).toMatchObject({ transition: { direction: "release", instance: "G1" } });
    expect(commandOf("INSTANCE", "VI_1", "MASTER_RX_LOWER_PRI", "150")).toMatchObject({ kind: "skip" });
  });

  it("Heartbeat passes haresources arguments first and the action last", () => {
    expect(commandOf("--cluster=/etc/aws-ha/cluster.yaml", "start")).toMatchObject({
      kind: "transition",
      lsb: true,
      transition: { direction: "acquire" },
    });
    expect(commandOf("stop")).toMatchObject({ kind: "transition", transition: { direction: "release", cause: "stop" } });
    expect(commandOf("status")).toEqual({ kind: "status" });
    expect(commandOf("restart")).toEqual({ kind: "restart" });
    expect(commandOf("force-reload")).toEqual({ kind: "restart" });
  });

  it("the FIFO script gets the FIFO path last", () => {
    expect(commandOf("fifo", "--cluster", "/etc/c.yaml", "/run/aws-ha/web.fifo")).toEqual({
      kind: "fifo",
      fifoPath: "/run/aws-ha/web.fifo",
    });
  });

  it("operator commands and options", () => {
    const parsed = parseNotifyArgs(["master", "--dry-run", "--only", "vip,eip", "--only=volume", "--log-format", "json"]);
    expect(parsed.options).toMatchObject({ dryRun: true, only: ["vip", "eip", "volume"], logFormat: "json" });
    expect(commandOf("show")).toEqual({ kind: "show" });
    expect(commandOf("check")).toEqual({ kind: "check" });
    expect(commandOf("--help")).toEqual({ kind: "help" });
  });

  it.each([
    [["promote"], 'unknown state "promote"'],
    [[], "no action given"],
    [["master", "--frobnicate"], "unknown option --frobnicate"],
    [["--cluster"], "--cluster needs a value"],
    [["fifo"], "fifo needs the FIFO's absolute path"],
    [["show", "extra"], 'show takes no further words, got "extra"'],
    [["--log-format", "xml", "master"], '--log-format must be text or json, not "xml"'],
  ])("rejects %j with a usage error", (argv, message) => {
    let error: unknown;
    try {
      parseNotifyArgs(argv);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ kind: "usage" });
    expect((error as Error).message).toContain(message);
  });
});
