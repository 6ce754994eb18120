import { createHash } from "node:crypto";
import { builtinModules } from "node:module";
import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { buildSync } from "esbuild";
import { bundleHolder, bundleMarker, commentEnd, commentEndSentinel, moduleWrapperEnd, moduleWrapperStart } from "./bundle-comment";

// Turns a built CLI into the same single file with a code-cache start: the bootstrap first, the real
// bundle after it as one string literal, which the bootstrap compiles with V8's code cache.

const shebang = "#!/usr/bin/env node";
// Resolved from the repository root, where the build runs (the config is bundled, so no import.meta).
// aws-ha-notify's and aws-ha-updateeip's starts first offer the event to the resident helper.
const starts: Record<string, string> = { "aws-ha-notify": "notify-start.ts", "aws-ha-updateeip": "updateeip-start.ts" };
const startOf = (name: string) => resolve(`src/build/${starts[name] ?? "start.ts"}`);

function bootstrapCode(startPath: string): string {
  const built = buildSync({
    entryPoints: [startPath],
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

// The bundle rides in a comment at the end of the file, the body of a function the bootstrap asks
// for its source (bundle-comment.ts): V8 holds the file's text already, so nothing is read twice.
// Node compiles the whole file before the bootstrap runs, and V8 skips a comment several times
// faster than it scans a string literal of the same 1 MB (which it must also unescape and keep as
// a second copy). The bundle must be ASCII (Node then keeps the file's text one byte a character)
// and hold no "*/" of its own: each is written as a sentinel and put back.

function asComment(bundle: string, path: string): string {
  const nonAscii = /[^\p{ASCII}]/u.exec(bundle);
  if (nonAscii)
    throw new Error(`${path}: the bundle holds a non-ASCII character at ${nonAscii.index}; build it with esbuild's charset "ascii"`);
  if (bundle.includes(commentEndSentinel) || bundle.includes(bundleMarker))
    throw new Error(`${path}: the bundle holds the embedding's own markers`);
  const wrapped = `${moduleWrapperStart}${bundle}${moduleWrapperEnd}`;
  return `function ${bundleHolder}(){${bundleMarker}${wrapped.replaceAll("*/", commentEndSentinel)}${commentEnd}}\n`;
}

export function embedWithCodeCache(binPaths: string[]) {
  const bootstraps = new Map<string, string>();
  for (const path of binPaths) {
    const startPath = startOf(basename(path));
    const bootstrap = bootstraps.get(startPath) ?? bootstrapCode(startPath);
    bootstraps.set(startPath, bootstrap);
    const text = readFileSync(path, "utf8");
    const bundle = requireBuiltinImports(text.startsWith(shebang) ? text.slice(text.indexOf("\n") + 1) : text, path);
    // The hash names the cache file, so a new build never meets bytecode of an old one.
    const hash = createHash("sha256").update(bundle).digest("hex").slice(0, 16);
    const embedded = [shebang, `var __AWS_HA_BUNDLE_HASH__=${JSON.stringify(hash)};`, bootstrap, asComment(bundle, path)].join("\n");
    const temporary = `${path}.embedding`;
    writeFileSync(temporary, embedded, { mode: 0o755 });
    chmodSync(temporary, 0o755);
    renameSync(temporary, path);
  }
}
