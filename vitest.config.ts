import { defineConfig } from "vitest/config";
import type { Plugin } from "vite";

// Templates are imported as text, the same way tsup's "text" loader bundles them.
const etaAsText: Plugin = {
  name: "eta-as-text",
  transform(code, id) {
    if (/\.(eta|xml|yaml)$/.test(id)) return { code: `export default ${JSON.stringify(code)};`, map: null };
    return undefined;
  },
};

export default defineConfig({
  plugins: [etaAsText],
  define: { __AWS_HA_VERSION__: JSON.stringify("test") },
  test: {
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      {
        extends: true,
        test: { name: "integration", include: ["test/integration/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 },
      },
      {
        extends: true,
        test: {
          name: "package",
          include: ["test/package/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // dpkg, lintian and the scratch root run one after another: the machine has two cores.
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        extends: true,
        test: {
          name: "soak",
          include: ["test/soak/**/*.test.ts"],
          // The soak bounds itself (AWS_HA_SOAK_SECONDS, AWS_HA_SOAK_SHRINK_SECONDS); this only catches a hang.
          testTimeout: 4 * 60 * 60_000,
          hookTimeout: 60_000,
          // One process: its lanes already share the machine's two cores, and clock steps patch Date.now in it.
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        extends: true,
        test: {
          name: "lab",
          include: ["test/lab/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          // The lab's scenarios share namespaces names, loop devices and the machine's two cores.
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
