import { readFileSync, renameSync } from "node:fs";
import { resolve } from "node:path";
import { defineConfig, type Options } from "tsup";
import { embedWithCodeCache } from "./src/build/embed";
import { sdkCrc32InJs } from "./src/build/sdk-crc32-in-js";
import { sdkPackageVersion } from "./src/build/sdk-package-version";
import { sdkSchemaShake } from "./src/build/sdk-schema-shake";
import { zodEnglishOnly } from "./src/build/zod-english-only";

const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

// Each CLI becomes one self-contained CommonJS file with a shebang: CJS bundles start faster than
// ESM ones (esbuild wraps ESM modules in lazy-init closures), and every dependency is inside so an
// operator can copy a single file to a node that has Node.js and nothing else.
const entry = {
  "aws-ha-notify": "src/cli/notify/main.ts",
  "aws-ha-updateeip": "src/cli/updateeip/main.ts",
  "aws-ha-gen": "src/cli/gen/main.ts",
  "aws-ha-fence": "src/cli/fence/main.ts",
};

type EsbuildPlugin = NonNullable<Options["esbuildPlugins"]>[number];

// The CLIs load their AWS half with import(), so --help answers without it. esbuild then wraps that
// half in lazy-init closures and can no longer tree-shake an AWS client package's index: the init of
// @aws-sdk/client-ec2's runs every module the index re-exports, some 700 commands, the aggregated
// client and the models, about 100 ms of every failover. Our imports of a client go straight to the
// modules of the names used. Route53's client is loaded only for a description with records, STS's
// only for one that names a role, on its first AssumeRole: the same holds for them.
function clientByModule(awsPackage: string, clientName: string): EsbuildPlugin {
  const namespace = `${awsPackage.replace("@aws-sdk/", "")}-by-module`;
  const escaped = awsPackage.replace(/[/-]/g, (c) => `\\${c}`);
  return {
    name: namespace,
    setup(build) {
      const distEs = resolve(`node_modules/${awsPackage}/dist-es`);
      build.onResolve({ filter: new RegExp(`^${escaped}$`) }, (args) =>
        args.importer.includes("/node_modules/") ? undefined : { path: args.importer, namespace },
      );
      build.onLoad({ filter: /.*/, namespace }, (args) => {
        const clauses = readFileSync(args.path, "utf8").matchAll(new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*"${escaped}"`, "g"));
        const names = [...clauses]
          .flatMap((m) => m[1]!.split(",").map((n) => n.trim().split(/\s+as\s+/)[0]!))
          .filter((n) => n && !n.startsWith("type "));
        const moduleOf = (name: string) => (name === clientName ? clientName : name.endsWith("Command") ? `commands/${name}` : "index");
        return { contents: names.map((n) => `export { ${n} } from "./${moduleOf(n)}.js";`).join("\n"), resolveDir: distEs };
      });
    },
  };
}

// yargs lays out --help with the string-width package, and checks its invariants with node:assert;
// aws-ha-gen's help needs neither Unicode segmentation nor assert's machinery.
const lightHelp: EsbuildPlugin = {
  name: "light-help",
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, () => ({ path: resolve("src/build/shims/text-width.ts") }));
    build.onResolve({ filter: /^assert$/ }, (args) =>
      args.importer.includes("/node_modules/yargs/") ? { path: resolve("src/build/shims/internal-assertions.ts") } : undefined,
    );
  },
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
  esbuildPlugins: [
    clientByModule("@aws-sdk/client-ec2", "EC2Client"),
    lightHelp,
    clientByModule("@aws-sdk/client-route-53", "Route53Client"),
    clientByModule("@aws-sdk/client-sts", "STSClient"),
    sdkSchemaShake,
    sdkPackageVersion,
    sdkCrc32InJs,
    zodEnglishOnly,
  ],
  define: { __AWS_HA_VERSION__: JSON.stringify(version) },
  // tsup reads an empty output extension as "the default" (.js), so the bundles get the names that
  // package.json's "bin" points at here. Each then gets a start that reuses V8's compiled code from
  // the previous run: compiling the bundle was a good part of every cold failover.
  onSuccess: async () => {
    for (const name of Object.keys(entry)) renameSync(`bin/${name}.js`, `bin/${name}`);
    embedWithCodeCache(Object.keys(entry).map((name) => `bin/${name}`));
  },
});
