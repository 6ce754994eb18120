import { describe, expect, it } from "vitest";
import { AwsHaError, ConfigError } from "../../src/errors";
import { exitCodeFor, exitCodes, genExitCodeFor, genExitCodes, ocfCodes, worstExitCode } from "../../src/exit-codes";

// One vocabulary of exit codes; each front end picks its dialect from it.

describe("the exit codes each caller reads", () => {
  it("LSB: an error's kind decides; anything without a kind is a plain failure", () => {
    expect(exitCodeFor(new AwsHaError("usage", "bad word"))).toBe(2);
    expect(exitCodeFor(new AwsHaError("permission", "denied"))).toBe(4);
    expect(exitCodeFor(new AwsHaError("install", "no mkfs"))).toBe(5);
    expect(exitCodeFor(new AwsHaError("config", "no such node"))).toBe(6);
    expect(exitCodeFor(new Error("socket hang up"))).toBe(exitCodes.failed);
    expect([exitCodes.stopped, exitCodes.statusUnknown, exitCodes.unimplemented]).toEqual([3, 4, 3]);
  });

  it("several failures: the most specific (highest) code wins, none is success", () => {
    expect(worstExitCode([new Error("timeout"), new AwsHaError("permission", "denied")])).toBe(4);
    expect(worstExitCode([])).toBe(exitCodes.ok);
  });

  it("OCF shares LSB's failure numbers and says 7 for not running", () => {
    expect(ocfCodes).toMatchObject({
      success: 0,
      errGeneric: 1,
      errArgs: 2,
      errUnimplemented: 3,
      errPerm: 4,
      errInstalled: 5,
      errConfigured: 6,
    });
    expect(ocfCodes.notRunning).toBe(7);
  });

  it("aws-ha-gen: arguments and description problems are input to correct (2), anything else failed (1)", () => {
    expect(genExitCodeFor(new AwsHaError("usage", "unknown option"))).toBe(genExitCodes.badInput);
    expect(genExitCodeFor(new ConfigError([{ path: "nodes", message: "too few" }], "cluster.yaml"))).toBe(2);
    expect(genExitCodeFor(new AwsHaError("host", "cannot write"))).toBe(genExitCodes.failed);
  });
});
