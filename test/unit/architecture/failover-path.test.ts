import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { packagesLoadedWith } from "./import-graph";

// A cold failover finds its description validated already (src/session/description-cache.ts), so the
// YAML parser and the schema (zod), a third of the bundle, have nothing to do in it. They are loaded
// by import() where a description is parsed or a schema's defaults are needed, and never evaluated
// by what a failover runs: building the schema alone cost every cold start more than one EC2 call.

const root = resolve(__dirname, "../../..");
const failoverEntries = [
  "src/cli/notify/main.ts",
  "src/cli/notify/run.ts",
  "src/cli/notify/ocf.ts",
  "src/cli/notify/serve.ts",
  "src/cli/updateeip/main.ts",
  "src/cli/updateeip/run.ts",
  "src/cli/fence/main.ts",
  "src/cli/fence/run.ts",
];

describe("what a failover evaluates", () => {
  it.each(failoverEntries)("%s loads neither the YAML parser nor the schema until a description is parsed", (entry) => {
    const loaded = packagesLoadedWith(root, entry);
    const parsers = [...loaded]
      .filter(([name]) => name === "yaml" || name === "zod")
      .map(([name, chain]) => `${name}: ${chain.join(" → ")}`);
    expect(parsers).toEqual([]);
  });

  it("sees the parser where it is loaded on purpose, so that the check above can fail", () => {
    expect([...packagesLoadedWith(root, "src/cluster/parse.ts").keys()]).toEqual(expect.arrayContaining(["yaml", "zod"]));
    expect([...packagesLoadedWith(root, "src/cli/gen/run.ts").keys()]).toEqual(expect.arrayContaining(["yaml", "zod"]));
  });
});
