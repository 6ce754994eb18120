import { createHash } from "node:crypto";
import { builtinModules } from "node:module";
import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { buildSync } from "esbuild";

// Turns a built CLI into the same single file with a code-cache start: the bootstrap first, the real
// bundle after it as one string literal, which the bootstrap compiles with V8's code cache.

const shebang = "#!/usr/bin/env node";
// Resolved from the repository root, where the build runs (the config is bundled, so no import.meta).
const bootstrapPath = resolve("src/build/code-cache-bootstrap.ts");

function bootstrapCode(): string {
  const built = buildSync({
    entryPoints: [bootstrapPath],
    bundle: true,
    write: false,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    logLevel: "warning",
  });
  return built.outputFiles[0]!.text;
}

// V8 drops a script's dynamic-import host options when it deserializes the script from a code cache
// (Node 20), so import() inside a cached bundle throws. The bundle's import() calls load Node's own
// modules (the SDK's http handler, async_hooks); require() returns the same objects, and those call
// sites read the named exports or `.default ?? module` alike. Any other import() stops the build.
const builtinImport = /\bimport\("(?:node:)?([a-z_/]+)"\)/g;

function requireBuiltinImports(bundle: string, path: string): string {
  const rewritten = bundle.replace(builtinImport, (call, name: string) =>
    builtinModules.includes(name) ? `Promise.resolve().then(()=>require(${JSON.stringify(name)}))` : call,
  );
  const left = rewritten.match(/\bimport\([^)]{0,40}/);
  if (left) throw new Error(`${path}: "${left[0]}" is a dynamic import the code cache cannot serve; load it with require()`);
  return rewritten;
}

export function embedWithCodeCache(binPaths: string[]) {
  const bootstrap = bootstrapCode();
  for (const path of binPaths) {
    const text = readFileSync(path, "utf8");
    const bundle = requireBuiltinImports(text.startsWith(shebang) ? text.slice(text.indexOf("\n") + 1) : text, path);
    // The hash names the cache file, so a new build never meets bytecode of an old one.
    const hash = createHash("sha256").update(bundle).digest("hex").slice(0, 16);
    const embedded = [
      shebang,
      `var __AWS_HA_BUNDLE__=${JSON.stringify(bundle)};`,
      `var __AWS_HA_BUNDLE_HASH__=${JSON.stringify(hash)};`,
      bootstrap,
    ].join("\n");
    const temporary = `${path}.embedding`;
    writeFileSync(temporary, embedded, { mode: 0o755 });
    chmodSync(temporary, 0o755);
    renameSync(temporary, path);
  }
}
