import { afterEach, describe, expect, it } from "vitest";
import { cloudAndLocal, nodeB } from "./support/cluster-fixture";
import { given } from "./support/given";
import { startTwoNodeWorld, type TwoNodeWorld } from "./support/two-node-world";

// What an operator hands AWS support after a failed takeover: EC2's request id and code. The JSON
// log always carries them with the SDK's error as the cause; the text log shows them at --verbose
// and keeps the plain run to the line that says what to do.

let world: TwoNodeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** B holds the VIP and the route, no node holds the EIP, and the node's role may not AssociateAddress. */
async function withAssociateDenied(): Promise<TwoNodeWorld> {
  const w = await startTwoNodeWorld({
    resources: cloudAndLocal,
    given: (spec) => {
      given.vipOn(spec, nodeB);
      given.routeTo(spec, nodeB);
    },
  });
  w.ec2.faults.inject({ kind: "deny", actions: ["AssociateAddress"] });
  return w;
}

describe("A becomes master and EC2 denies AssociateAddress", () => {
  it("in the JSON log, the EIP's failure carries EC2's code, its request id, the HTTP status and the cause", async () => {
    world = await withAssociateDenied();

    const master = await world.a.run(["--log-format", "json", "master"]);

    expect(master.code, master.stderr).toBe(4);
    const records = master.stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const eip = records.find((r) => r.level === "error" && String(r.msg).startsWith("web-eip:"));
    expect(eip, master.stderr).toMatchObject({
      msg: expect.stringContaining("EC2 denied AssociateAddress (UnauthorizedOperation)"),
      awsCode: "UnauthorizedOperation",
      requestId: expect.stringMatching(uuid),
      httpStatus: 403,
      cause: expect.stringMatching(/^UnauthorizedOperation: /),
    });
    // One request, one id: the record names the stand-in's answer, not a made-up one.
    expect(world.ec2.calls.of("AssociateAddress").map((c) => c.error)).toEqual(["UnauthorizedOperation"]);
  });

  it("in the text log, the line says what to do; the request id and the cause follow only at --verbose", async () => {
    world = await withAssociateDenied();

    const plain = await world.a.run(["master"]);
    const verbose = await world.a.run(["--verbose", "master"]);

    const eipLine = (stderr: string) => stderr.split("\n").find((line) => line.startsWith("ERROR web-eip:")) ?? stderr;
    expect(plain.code).toBe(4);
    expect(eipLine(plain.stderr)).toMatch(/EC2 denied AssociateAddress \(UnauthorizedOperation\); add ec2:AssociateAddress/);
    expect(eipLine(plain.stderr)).not.toMatch(uuid);
    expect(eipLine(plain.stderr)).not.toContain("caused by");
    expect(verbose.code).toBe(4);
    expect(eipLine(verbose.stderr)).toMatch(
      new RegExp(`\\(AWS request id ${uuid.source}, code UnauthorizedOperation, HTTP 403; caused by UnauthorizedOperation: .+\\)$`),
    );
  });
});
