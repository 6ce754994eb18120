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
