import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embedWithCodeCache } from "../../src/build/embed";

// A built CLI carries its bundle in a comment at the end of its own file, which V8 skips faster than
// it scans a string literal. Whatever the bundle holds must come back byte for byte, its own "*/"
// included, and a bundle that cannot ride in a comment stops the build instead of breaking nodes.

let root = "";
beforeAll(() => (root = mkdtempSync("/tmp/aws-ha-bundle-comment-")));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function embedded(name: string, bundle: string): string {
  const file = join(root, name);
  writeFileSync(file, bundle, { mode: 0o755 });
  embedWithCodeCache([file]);
  return file;
}

describe("the bundle in a comment", () => {
  it("runs a bundle whose strings, regular expressions and comments hold */ exactly as written", () => {
    const file = embedded(
      "closing",
      [
        "#!/usr/bin/env node",
        '"use strict";',
        "/* a comment of the bundle itself */",
        'const s = "a */ b", r = /x*\\/y/.source, t = `*/${"*/"}`;',
        "process.stdout.write(JSON.stringify([s, r, t]));",
        "",
      ].join("\n"),
    );
    const text = readFileSync(file, "utf8");
    // Only the comment's own end is left as a real "*/" outside the bootstrap.
    expect(text.slice(text.lastIndexOf("/*__AWS_HA_BUNDLE__\n")).match(/\*\//g)).toHaveLength(1);

    const r = spawnSync(process.execPath, [file], { encoding: "utf8", env: { PATH: process.env.PATH, AWS_HA_CODE_CACHE: "off" } });

    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(["a */ b", "x*\\/y", "*/*/"]);
  });

  it("refuses a bundle with a character beyond ASCII, which the bootstrap could not read back", () => {
    expect(() => embedded("wide", '#!/usr/bin/env node\nprocess.stdout.write("→");\n')).toThrow(/non-ASCII character/);
  });
});
