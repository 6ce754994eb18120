import { describe, expect, it } from "vitest";
import { AwsHaError } from "../../src/errors";
import { parseNotifyArgs } from "../../src/cli/notify/args";

// `aws-ha-notify history [--json] [-n N]`: what an operator types to see the last transitions.

describe("history's arguments", () => {
  it("history alone, with --json, and with -n in either form", () => {
    expect(parseNotifyArgs(["history"])).toMatchObject({ command: { kind: "history" }, options: { json: false } });
    expect(parseNotifyArgs(["history", "--json", "-n", "5"])).toMatchObject({
      command: { kind: "history" },
      options: { json: true, count: 5 },
    });
    expect(parseNotifyArgs(["-n", "1", "--cluster", "/etc/aws-ha/web.yaml", "history"]).options).toMatchObject({ count: 1 });
  });

  it.each([["0"], ["-3"], ["ten"], ["1e3"], ["100001"]])("refuses -n %s as a usage error", (n) => {
    let thrown: unknown;
    try {
      parseNotifyArgs(["history", "-n", n]);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(AwsHaError);
    expect((thrown as AwsHaError).kind).toBe("usage");
  });

  it("takes no further words", () => {
    expect(() => parseNotifyArgs(["history", "web"])).toThrow(/history takes no further words/);
  });
});
