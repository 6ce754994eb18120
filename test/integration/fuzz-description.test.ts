import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as yamlStringify } from "yaml";
import { clusterFiles } from "../../src/gen/output-files";
import { parseClusterDescription } from "../../src/cluster/parse";
import type { ClusterDescription } from "../../src/cluster/schema";
import { AwsHaError, ConfigError } from "../../src/errors";
import { resolveSecrets } from "../../src/gen/secrets";
import { billionLaughs, describedCase, type DescriptionCase, type Plain } from "./fuzz-support/description-mutations";
import { breaksLine, notAProblemList } from "./fuzz-support/output-shape";
import { checkProperty, shrinkingTimeoutMs } from "./fuzz-support/property-run";

// The description loader takes whatever an operator, an editor or a configuration-management tool
// left in /etc/aws-ha/cluster.yaml. Whatever that is, the answer is a valid description or a
// ConfigError listing every problem, one clean line each — never another exception, never a
// warning banner from the YAML parser on stderr, and never minutes of CPU or gigabytes of memory.

const example = parseYaml(readFileSync(fileURLToPath(new URL("../../examples/cluster.yaml", import.meta.url)), "utf8")) as Plain;

type Verdict = { ok: true; description: ClusterDescription } | { ok: false; error: unknown };

interface Observed {
  verdict: Verdict;
  ms: number;
  warnings: string[];
}

/** Parses once, noting the time taken and every process warning the parser raised (the CLIs print those as multi-line banners). */
function load(text: string, source: string): Observed {
  const warnings: string[] = [];
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error) => void warnings.push(String(warning))) as typeof process.emitWarning;
  const started = performance.now();
  let verdict: Verdict;
  try {
    verdict = { ok: true, description: parseClusterDescription(text, source) };
  } catch (error) {
    verdict = { ok: false, error };
  } finally {
    process.emitWarning = emitWarning;
  }
  return { verdict, ms: performance.now() - started, warnings };
}

/**
 * What must hold for any text: a description or a well-formed ConfigError, fast and quiet. A
 * description is its own fixed point, and the renderers take it or refuse it with a typed error of
 * one line (`aws-ha-gen validate` renders everything to catch what only a renderer can see).
 */
function expectWellBehaved(observed: Observed, source: string, limitMs: number): void {
  const { verdict, ms, warnings } = observed;
  expect(warnings.join(" | "), "the YAML parser raised a process warning, which the CLIs print as a multi-line banner").toBe("");
  expect(ms, "time to answer").toBeLessThan(limitMs);
  if (verdict.ok) {
    // Loading fills in defaults; what it returns must load again to itself.
    const again = parseClusterDescription(JSON.stringify(verdict.description), `${source}.json`);
    expect(again).toEqual(verdict.description);
    const { secrets } = resolveSecrets(verdict.description, undefined);
    try {
      clusterFiles(verdict.description, { clusterPath: "/etc/aws-ha/cluster.yaml", secrets, iam: {} });
    } catch (e) {
      expect(e, `a renderer threw ${String(e)}`).toBeInstanceOf(AwsHaError);
      expect(["config", "usage"]).toContain((e as AwsHaError).kind);
      expect(breaksLine((e as AwsHaError).describe())).toBeUndefined();
    }
    return;
  }
  expect(verdict.error, `not a ConfigError: ${String(verdict.error)}`).toBeInstanceOf(ConfigError);
  const error = verdict.error as ConfigError;
  expect(error.kind).toBe("config");
  expect(error.problems.length).toBeGreaterThan(0);
  expect(notAProblemList(error.describe())).toBeUndefined();
}

const sourceOf = (c: DescriptionCase) => `/etc/aws-ha/cluster.${c.format}`;

describe("the description loader, fed mutations of the example", () => {
  it(
    "answers every mutation with a description or one ConfigError listing clean problem lines",
    async () => {
      await checkProperty(
        "description loader (YAML and JSON mutations of the example)",
        fc.property(describedCase(example), (c) => {
          expectWellBehaved(load(c.text, sourceOf(c)), sourceOf(c), 1_000);
        }),
        { runs: 1_500 },
      );
    },
    shrinkingTimeoutMs,
  );

  it(
    "gives the same verdict to the YAML and the JSON form of the same description",
    async () => {
      await checkProperty(
        "description loader (YAML and JSON agree)",
        fc.property(describedCase(example, { format: "json" }), (c) => {
          // The value as JSON carries it (NaN and -0 do not survive JSON; the loader must not care).
          const value = JSON.parse(JSON.stringify(c.value)) as Plain;
          const asJson = load(JSON.stringify(value), "/etc/aws-ha/cluster.json").verdict;
          const asYaml = load(yamlStringify(value, { aliasDuplicateObjects: false }), "/etc/aws-ha/cluster.yaml").verdict;
          expect(asYaml.ok).toBe(asJson.ok);
          if (asYaml.ok && asJson.ok) expect(asYaml.description).toEqual(asJson.description);
          else expect((asYaml as { error: ConfigError }).error.problems).toEqual((asJson as { error: ConfigError }).error.problems);
        }),
        { runs: 300 },
      );
    },
    shrinkingTimeoutMs,
  );
});

describe("the description loader, fed resource-exhaustion inputs", () => {
  const mib = 1 << 20;
  const bombs: [string, string][] = [
    ["a billion laughs (9 levels of 9 aliases)", billionLaughs(9)],
    ["a billion laughs as the value of cluster", `${billionLaughs(12)}cluster: *l\n`],
    [
      "an alias chain of quadratic size",
      Array.from({ length: 2_000 }, (_, i) => `k${i}: &k${i} [${i === 0 ? "x" : `*k${i - 1}, *k${i - 1}`}]`).join("\n"),
    ],
    ["a megabyte of nested flow sequences", `${"[".repeat(mib / 2)}${"]".repeat(mib / 2)}`],
    ["a megabyte of nested flow mappings", `${"{a: ".repeat(mib / 8)}1${"}".repeat(mib / 8)}`],
    ["a megabyte of nested block sequences", `${"- ".repeat(mib / 2)}x\n`],
    ["a megabyte-long cluster name", `cluster: ${"a".repeat(mib)}\nnodes: []\nresources: []\n`],
    ["ten thousand nodes that are not mappings", `cluster: db\nresources: []\nnodes:\n${"  - 1\n".repeat(10_000)}`],
  ];

  for (const [what, text] of bombs) {
    it(`answers ${what} within a second or two and without a memory explosion`, () => {
      for (const source of ["/etc/aws-ha/cluster.yaml", "/etc/aws-ha/cluster.json"]) {
        const rssBefore = process.memoryUsage().rss;
        const observed = load(text, source);
        const grownMiB = (process.memoryUsage().rss - rssBefore) / (1 << 20);
        expectWellBehaved(observed, source, 2_000);
        expect(grownMiB, "memory the loader took (MiB)").toBeLessThan(256);
      }
    });
  }
});
