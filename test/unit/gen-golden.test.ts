import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseClusterDescription } from "../../src/cluster/parse";
import { clusterFiles, secretMode } from "../../src/gen/output-files";
import { resolveSecrets } from "../../src/gen/secrets";

// Every file `aws-ha-gen all` renders for the descriptions in golden/, compared byte for byte with
// golden/<description>/. After an intended change to a template or renderer, regenerate them with
//   UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/gen-golden.test.ts
// and review the diff like any other change to what operators install.

const goldenDir = fileURLToPath(new URL("./golden", import.meta.url));
const update = process.env.UPDATE_GOLDEN === "1";
const descriptions = readdirSync(goldenDir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

function render(file: string) {
  const d = parseClusterDescription(readFileSync(join(goldenDir, file), "utf8"), file);
  // The golden descriptions fix their secrets, so nothing may be generated.
  const { secrets, toSave } = resolveSecrets(d, undefined, () => {
    throw new Error(`${file} must set keepalived.authPass / heartbeat.authKey so that its output is deterministic`);
  });
  expect(toSave).toBeUndefined();
  return clusterFiles(d, { clusterPath: "/etc/aws-ha/cluster.yaml", secrets, iam: { account: "123456789012" } });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("aws-ha-gen all renders exactly the golden files", () => {
  it("has golden descriptions to check", () => {
    expect(descriptions).toEqual(["three-node.yaml", "two-node-heartbeat.yaml", "two-node-keepalived.yaml"]);
  });

  for (const file of descriptions) {
    it(`for ${file}`, () => {
      const expectedDir = join(goldenDir, file.replace(/\.yaml$/, ""));
      const rendered = render(file);
      if (update) {
        rmSync(expectedDir, { recursive: true, force: true });
        for (const f of rendered) {
          mkdirSync(dirname(join(expectedDir, f.path)), { recursive: true });
          writeFileSync(join(expectedDir, f.path), f.content);
        }
      }
      expect(existsSync(expectedDir), `${expectedDir} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
      const onDisk = filesUnder(expectedDir)
        .map((p) => relative(expectedDir, p))
        .sort();
      expect(rendered.map((f) => f.path).sort()).toEqual(onDisk);
      for (const f of rendered) expect(f.content, f.path).toBe(readFileSync(join(expectedDir, f.path), "utf8"));
    });
  }

  it("gives every node its own folder with the files its daemon reads", () => {
    const paths = (file: string) => render(file).map((f) => f.path);
    // Daemons that start one process per event (here keepalived without its FIFO, and Heartbeat
    // with aws-ha-updateeip) get the resident helper's unit; keepalived's FIFO reader is resident itself.
    expect(paths("two-node-keepalived.yaml")).toEqual([
      "lb-a/keepalived.conf",
      "lb-a/aws-ha-notify.service",
      "lb-a/iam-policy.json",
      "lb-a/INSTALL.md",
      "lb-b/keepalived.conf",
      "lb-b/aws-ha-notify.service",
      "lb-b/iam-policy.json",
      "lb-b/INSTALL.md",
    ]);
    expect(paths("two-node-heartbeat.yaml").filter((p) => p.startsWith("mx1.example.internal/"))).toEqual([
      "mx1.example.internal/ha.cf",
      "mx1.example.internal/haresources",
      "mx1.example.internal/authkeys",
      "mx1.example.internal/aws-ha-notify.service",
      "mx1.example.internal/iam-policy.json",
      "mx1.example.internal/INSTALL.md",
    ]);
    expect(paths("three-node.yaml").filter((p) => p.endsWith("keepalived.conf"))).toHaveLength(3);
    expect(paths("three-node.yaml").filter((p) => p.endsWith("aws-ha-notify.service"))).toEqual([]);
  });

  it("marks authkeys owner-only and nothing else", () => {
    const files = render("two-node-heartbeat.yaml");
    expect(files.filter((f) => f.mode === secretMode).map((f) => f.path)).toEqual([
      "mx1.example.internal/authkeys",
      "mx2.example.internal/authkeys",
    ]);
  });
});
