import { readFileSync, renameSync } from "node:fs";
import { defineConfig } from "tsup";

const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

// Each CLI becomes one self-contained CommonJS file with a shebang: CJS bundles start faster than
// ESM ones (esbuild wraps ESM modules in lazy-init closures), and every dependency is inside so an
// operator can copy a single file to a node that has Node.js and nothing else.
const entry = {
  "aws-ha-notify": "src/cli/notify-main.ts",
  "aws-ha-updateeip": "src/cli/updateeip-main.ts",
  "aws-ha-gen": "src/cli/gen-main.ts",
};

export default defineConfig({
  entry,
  outDir: "bin",
  format: ["cjs"],
  platform: "node",
  target: "node20",
  noExternal: [/.*/],
  splitting: false,
  sourcemap: false,
  clean: false,
  minify: true,
  treeshake: false,
  banner: { js: "#!/usr/bin/env node" },
  // yargs is ESM and reads import.meta.url when it loads; the shim gives it the bundle's own URL.
  shims: true,
  loader: { ".eta": "text", ".xml": "text", ".yaml": "text" },
  define: { __AWS_HA_VERSION__: JSON.stringify(version) },
  // tsup reads an empty output extension as "the default" (.js), so the bundles get the names that
  // package.json's "bin" points at here.
  onSuccess: async () => {
    for (const name of Object.keys(entry)) renameSync(`bin/${name}.js`, `bin/${name}`);
  },
});
