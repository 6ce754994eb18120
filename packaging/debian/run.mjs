// `npm run package:deb`: Node 20 cannot run TypeScript, so the packaging code is bundled with
// esbuild into a temporary directory first (as the bench is), then run; the directory goes when it ends.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath, URL } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), "aws-ha-deb-build-"));
const bundle = join(outDir, "package-deb.cjs");

try {
  await build({
    entryPoints: [join(here, "main.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // The generator's modules (where the links point) import their templates as text.
    loader: { ".eta": "text", ".xml": "text", ".yaml": "text" },
    define: { __AWS_HA_VERSION__: JSON.stringify("packaging") },
    logLevel: "warning",
  });
  const run = spawnSync(process.execPath, [bundle, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
