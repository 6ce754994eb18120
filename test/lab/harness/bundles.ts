import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The lab runs the shipped single-file CLIs, as an operator would copy them to a node, not the
// sources: `npm run lab` builds them first. Without them the lab has nothing to test.

export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

export const bundleNames = ["aws-ha-notify", "aws-ha-updateeip", "aws-ha-gen", "aws-ha-fence"] as const;
export type BundleName = (typeof bundleNames)[number];

export function bundlePath(name: BundleName): string {
  return join(repoRoot, "bin", name);
}

/** Why the lab cannot run with the bundles present, or undefined when it can. */
export function missingBundles(): string | undefined {
  const missing = bundleNames.filter((name) => {
    try {
      accessSync(bundlePath(name), constants.R_OK);
      return false;
    } catch {
      return true;
    }
  });
  return missing.length > 0 ? `bin/${missing.join(", bin/")} not built: run \`npm run build\` (npm run lab does)` : undefined;
}
