// `npm run bench`: Node 20 cannot run TypeScript, so the bench is bundled with esbuild into a
// temporary directory first, then run as one process; the directory goes when it ends.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath, URL } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..", "..");
const outDir = mkdtempSync(join(tmpdir(), "aws-ha-bench-build-"));
const bundle = join(outDir, "bench.cjs");

try {
  await build({
    entryPoints: [join(here, "main.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // The helper's unit is rendered from its template, as the package renders it.
    loader: { ".eta": "text" },
    logLevel: "warning",
  });
  const child = spawn(process.execPath, [bundle, "--root", root, ...process.argv.slice(2)], { stdio: "inherit" });
  const forward = (signal) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  const code = await new Promise((resolve) => child.once("close", (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  process.exitCode = code;
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
