import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

// Each CLI becomes one self-contained CommonJS file with a shebang: CJS bundles start faster than
// ESM ones (esbuild wraps ESM modules in lazy-init closures), and every dependency is inside so an
// operator can copy a single file to a node that has Node.js and nothing else.
export default defineConfig({
  entry: {
    "aws-ha-notify": "src/cli/notify-main.ts",
    "aws-ha-updateeip": "src/cli/updateeip-main.ts",
    "aws-ha-gen": "src/cli/gen-main.ts",
  },
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
  outExtension: () => ({ js: "" }),
  banner: { js: "#!/usr/bin/env node" },
  loader: { ".eta": "text", ".xml": "text" },
  define: { __AWS_HA_VERSION__: JSON.stringify(version) },
});
