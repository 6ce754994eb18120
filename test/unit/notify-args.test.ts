import { describe, expect, it } from "vitest";
import { parseNotifyArgs } from "../../src/cli/notify/args";

const commandOf = (...argv: string[]) => parseNotifyArgs(argv).command;

/** The one line a bad command line gets; fails the test when the words were accepted. */
function usageErrorOf(...argv: string[]): string {
  try {
    parseNotifyArgs(argv);
  } catch (e) {
    expect(e).toMatchObject({ kind: "usage" });
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(argv)}`);
}

describe("how the daemons call aws-ha-notify", () => {
  it("keepalived's specific notify scripts pass one state word", () => {
    expect(commandOf("master")).toEqual({ kind: "transition", transition: { direction: "acquire", cause: "master" }, lsb: false });
    expect(commandOf("backup", "--cluster", "/etc/c.yaml")).toMatchObject({ transition: { direction: "release", cause: "backup" } });
    expect(commandOf("fault")).toMatchObject({ transition: { direction: "release" } });
  });

  it("keepalived's generic notify appends INSTANCE|GROUP NAME STATE PRIORITY after the configured words", () => {
    expect(commandOf("--cluster=/etc/c.yaml", "INSTANCE", "VI_1", "MASTER", "150")).toEqual({
      kind: "transition",
      transition: { direction: "acquire", cause: "MASTER", instance: "VI_1", priority: 150 },
      lsb: false,
    });
    expect(commandOf("GROUP", "G1", "BACKUP", "0")).toMatchObject({ transition: { direction: "release", instance: "G1" } });
    // An operator trying the form by hand may put options after it.
    const tried = parseNotifyArgs(["INSTANCE", "VI_1", "MASTER", "150", "--dry-run"]);
    expect(tried).toMatchObject({
      command: { kind: "transition", transition: { direction: "acquire", instance: "VI_1" } },
      options: { dryRun: true },
    });
    expect(commandOf("INSTANCE", "VI_1", "MASTER_RX_LOWER_PRI", "150")).toMatchObject({ kind: "skip" });
  });

  it("keepalived's generic notify is read from the end: the name may hold anything, even a quote or a space", () => {
    expect(commandOf("INSTANCE", 'VI"1', "MASTER", "100")).toEqual({
      kind: "transition",
      transition: { direction: "acquire", cause: "MASTER", instance: 'VI"1', priority: 100 },
      lsb: false,
    });
    expect(commandOf("GROUP", "web group", "BACKUP", "0")).toMatchObject({ transition: { direction: "release", instance: "web group" } });
    // A name that looks like a word of ours, or like an option, is still the name.
    expect(commandOf("INSTANCE", "INSTANCE", "MASTER", "150")).toMatchObject({ transition: { instance: "INSTANCE" } });
    expect(commandOf("INSTANCE", "--dry-run", "FAULT", "150")).toMatchObject({
      transition: { direction: "release", instance: "--dry-run" },
    });
  });

  it("a priority that is not a number does not drop the state: the event runs and says what was odd", () => {
    const command = commandOf("INSTANCE", "VI_1", "MASTER", "abc");
    expect(command).toMatchObject({ kind: "transition", transition: { direction: "acquire", cause: "MASTER", instance: "VI_1" } });
    expect(command.kind === "transition" && command.transition.priority).toBeUndefined();
    expect(command.kind === "transition" && command.transition.oddity).toBe('keepalived\'s priority "abc" is not a number');
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

  it("before an init action only options may come: a stray word is refused, not ignored", () => {
    expect(parseNotifyArgs(["--cluster=/etc/x.yaml", "--only=vip", "start"]).options).toMatchObject({
      cluster: "/etc/x.yaml",
      only: ["vip"],
    });
    expect(usageErrorOf("master", "stop")).toBe(
      '"master" before stop: only options (such as --cluster=FILE) may come before an init action',
    );
    // haresources separates words with "::"; one too many leaves them on the word.
    expect(usageErrorOf("::--cluster=/etc/x.yaml", "start")).toContain('"::--cluster=/etc/x.yaml" before start');
    expect(usageErrorOf("web", "status")).toContain('"web" before status');
    expect(usageErrorOf("extra", "INSTANCE", "VI_1", "MASTER", "100")).toBe(
      '"extra" before keepalived\'s INSTANCE|GROUP NAME STATE PRIORITY: only options may come before them',
    );
  });

  it("an option with an empty value, or with another option for its value, is refused", () => {
    expect(usageErrorOf("--cluster=", "start")).toBe("--cluster needs a value");
    expect(usageErrorOf("--cluster", "--dry-run", "master")).toBe('--cluster needs a value, not the option "--dry-run"');
    expect(usageErrorOf("-x", "master")).toBe("unknown option -x");
    // What a message repeats of the command line is one bounded, escaped line.
    expect(usageErrorOf("--bad\nforged line", "master")).toBe('unknown option "--bad\\nforged line"');
    expect(usageErrorOf(`--${"x".repeat(100_000)}`, "master").length).toBeLessThan(300);
  });

  it("a state word that is also a name of every JavaScript object is an unknown state", () => {
    for (const word of ["constructor", "toString", "__proto__", "hasOwnProperty"])
      expect(usageErrorOf(word)).toBe(`unknown state ${JSON.stringify(word)}`);
  });

  it("the FIFO script gets the FIFO path last", () => {
    expect(commandOf("fifo", "--cluster", "/etc/c.yaml", "/run/aws-ha/web.fifo")).toEqual({
      kind: "fifo",
      fifoPath: "/run/aws-ha/web.fifo",
    });
  });

  it("the FIFO script takes nothing but the FIFO path", () => {
    expect(usageErrorOf("fifo", "extra", "/run/aws-ha/web.fifo")).toContain('fifo takes only the FIFO\'s path, got "extra"');
  });

  it("an option counts only as --help documents it: a near spelling is a typo, not the option", () => {
    expect(usageErrorOf("--n", "5", "history")).toBe("unknown option --n");
    expect(usageErrorOf("-n5", "history")).toBe("unknown option -n5");
    expect(usageErrorOf("-n=5", "history")).toBe('unknown option "-n=5"');
    expect(usageErrorOf("-hx", "master")).toBe("unknown option -hx");
    expect(usageErrorOf("--dry-run=false", "master")).toBe('unknown option "--dry-run=false"');
    // "--" ends nothing here, and a lone "-" is no word of ours.
    expect(usageErrorOf("--", "master")).toBe('unknown option "--"');
    expect(usageErrorOf("-", "master")).toBe('unknown option "-"');
  });

  it("the arguments are read left to right: --help answers unless a refused argument comes before it", () => {
    expect(commandOf("--help", "--frobnicate")).toEqual({ kind: "help" });
    expect(commandOf("--version", "--cluster=")).toEqual({ kind: "version" });
    expect(usageErrorOf("--frobnicate", "--help")).toBe("unknown option --frobnicate");
    expect(usageErrorOf("--log-format=xml", "-h")).toBe('--log-format must be text or json, not "xml"');
    // A value option takes the next word whatever it is, and refuses it when it is an option.
    expect(usageErrorOf("--cluster", "--help")).toBe('--cluster needs a value, not the option "--help"');
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
