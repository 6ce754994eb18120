import { describe, expect, it } from "vitest";
import { resourcesFor } from "../../src/kinds/registry";
import { holdingAnswer } from "../../src/session/holding-answer";
import { clusterOf } from "./support/cluster";

// One answer to "does this node hold it?", which LSB status, OCF monitor and updateeip status each
// put in their own words. A hook holds nothing inspect could see, so it never makes "partly".

const resources = resourcesFor(
  clusterOf([
    { kind: "vip", name: "web-vip", address: "10.0.1.100" },
    { kind: "eip", name: "web-eip", allocationId: "eipalloc-0123456789abcdef0", privateAddress: "10.0.1.100" },
    { kind: "hook", name: "announce", acquire: ["/usr/local/bin/announce", "up"] },
  ]),
);
const rows = (held: string[]) => resources.map((resource) => ({ resource, holding: { held: held.includes(resource.name), detail: "" } }));
const names = (answer: ReturnType<typeof holdingAnswer>) => ({
  held: answer.held,
  which: answer.which.map((r) => r.resource.name),
  of: answer.of.length,
});

describe("the held/stopped/partly answer", () => {
  it("all: every inspectable resource is here, whatever the hook says", () => {
    expect(names(holdingAnswer(rows(["web-vip", "web-eip"])))).toEqual({ held: "all", which: ["web-vip", "web-eip"], of: 2 });
  });

  it("partly: names what is here, out of the inspectable ones", () => {
    expect(names(holdingAnswer(rows(["web-eip", "announce"])))).toEqual({ held: "partly", which: ["web-eip"], of: 2 });
  });

  it("none: nothing is here", () => {
    expect(names(holdingAnswer(rows([])))).toEqual({ held: "none", which: [], of: 2 });
  });

  it("nothing inspectable at all is none, never running", () => {
    const hooksOnly = rows(["announce"]).filter((r) => !r.resource.inspectable);
    expect(names(holdingAnswer(hooksOnly))).toEqual({ held: "none", which: [], of: 0 });
  });
});
