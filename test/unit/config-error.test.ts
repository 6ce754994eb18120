import { describe, expect, it } from "vitest";
import { ConfigError, listedProblems, type ConfigProblem } from "../../src/errors";

// How a description's problems reach the operator: every problem is kept on the error, but the text
// printed to a terminal or syslog lists a bounded number of them, each on its own clean line.

const nodeProblems = (count: number): ConfigProblem[] =>
  Array.from({ length: count }, (_, i) => ({ path: `nodes[${i}]`, message: "expected a mapping" }));

describe("the problem list of a bad description", () => {
  it("lists a few problems in full, under the file's name and their count", () => {
    const e = new ConfigError(nodeProblems(2), "cluster.yaml");
    expect(e.describe()).toBe(["cluster.yaml: 2 problems", "  nodes[0]: expected a mapping", "  nodes[1]: expected a mapping"].join("\n"));
  });

  it("lists exactly the bound without saying anything is left out", () => {
    const lines = new ConfigError(nodeProblems(listedProblems), "cluster.yaml").describe().split("\n");
    expect(lines[0]).toBe(`cluster.yaml: ${listedProblems} problems`);
    expect(lines).toHaveLength(listedProblems + 1);
  });

  it("lists only the first problems of ten thousand, and says how many it left out", () => {
    const e = new ConfigError(nodeProblems(10_000), "/etc/aws-ha/cluster.yaml");
    const lines = e.describe().split("\n");
    expect(listedProblems).toBe(20);
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe("/etc/aws-ha/cluster.yaml (10000 problems in all, 9980 of them not listed): 20 problems");
    expect(lines[1]).toBe("  nodes[0]: expected a mapping");
    expect(lines[20]).toBe("  nodes[19]: expected a mapping");
    // Whoever handles the error still has every problem.
    expect(e.problems).toHaveLength(10_000);
  });

  it("keeps a file name and a problem with control characters on their lines", () => {
    const e = new ConfigError([{ path: "nodes[0].name", message: 'bad name "a\nb\u001b[2J"' }], "/tmp/odd\nname.yaml");
    expect(e.describe()).toBe(["/tmp/odd\\nname.yaml: 1 problem", '  nodes[0].name: bad name "a\\nb\\x1b[2J"'].join("\n"));
  });
});
