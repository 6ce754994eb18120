import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

// The relative imports between the files of src/, read from the source text: enough to judge the
// direction of every arrow without a compiler.

export interface Import {
  from: string;
  to: string;
}

const specifier = /(?:^|\n)\s*(?:import|export)\b[^"';]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Every relative import of a .ts file under `root`/src that lands on another .ts file there. */
export function importsOf(root: string): Import[] {
  const src = resolve(root, "src");
  return sourceFiles(src).flatMap((file) => {
    const text = readFileSync(file, "utf8");
    return [...text.matchAll(specifier)].flatMap((m): Import[] => {
      const target = [".ts", "/index.ts"].map((ext) => resolve(dirname(file), (m[1] ?? m[2])! + ext)).find(existsSync);
      return target?.startsWith(src + "/") ? [{ from: relative(root, file), to: relative(root, target) }] : [];
    });
  });
}

// An import that brings values (not only types) in, with what it names: a relative file or a package.
const valueImport = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?([^"';]*?)from\s*["']([^"']+)["']/g;
const onlyTypes = /^\{\s*(?:type\s+[^,}]+,?\s*)+\}$/;

/**
 * Every package a file evaluates as soon as it is loaded: through its static imports of values and
 * theirs, never through import() (which loads on demand) or imports of types alone (which vanish).
 * Each package comes with the chain of files that reaches it.
 */
export function packagesLoadedWith(root: string, file: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[resolve(root, file), []]]);
  const found = new Map<string, string[]>();
  const queue = [resolve(root, file)];
  while (queue.length > 0) {
    const current = queue.shift()!;
    const chain = [...chains.get(current)!, relative(root, current)];
    for (const m of readFileSync(current, "utf8").matchAll(valueImport)) {
      if (m[1] || onlyTypes.test(m[2]!.trim())) continue;
      const specifier = m[3]!;
      if (!specifier.startsWith(".")) {
        if (!specifier.startsWith("node:") && !found.has(specifier)) found.set(specifier, chain);
        continue;
      }
      const target = [".ts", "/index.ts"].map((ext) => resolve(dirname(current), specifier + ext)).find(existsSync);
      if (target && !chains.has(target)) {
        chains.set(target, chain);
        queue.push(target);
      }
    }
  }
  return found;
}
