import { dirname, join } from "node:path";
import type { Plugin } from "esbuild";

// zod re-exports all of its ~50 message locales (z.locales), 260 KB of a 1.2 MB bundle that every
// failover reads and compiles, while it only ever speaks English (its default, set in its own
// classic/schemas.js) and aws-ha words every message of its own anyway. zod's locale index is
// replaced by one that holds English alone.

export const zodEnglishOnly: Plugin = {
  name: "zod-english-only",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), "..", "locales", "index.js"), namespace: "zod-english-only" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-english-only" }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};
