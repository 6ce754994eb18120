import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

// Node 20 cannot run TypeScript, and the lab starts the stand-ins as separate processes inside its
// namespaces: each launcher becomes one self-contained CommonJS file, built when the lab sets up.

export interface StandinBundles {
  ec2Main: string;
  imdsMain: string;
  route53Main: string;
}

const here = fileURLToPath(new URL(".", import.meta.url));

export async function buildStandins(outDir: string): Promise<StandinBundles> {
  mkdirSync(outDir, { recursive: true });
  const bundles: StandinBundles = {
    ec2Main: join(outDir, "ec2-main.cjs"),
    imdsMain: join(outDir, "imds-main.cjs"),
    route53Main: join(outDir, "route53-main.cjs"),
  };
  await build({
    entryPoints: {
      "ec2-main": join(here, "ec2-main.ts"),
      "imds-main": join(here, "imds-main.ts"),
      "route53-main": join(here, "route53-main.ts"),
    },
    outdir: outDir,
    outExtension: { ".js": ".cjs" },
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "silent",
  });
  return bundles;
}
