import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

// Where `aws-ha-gen all --out DIR` put a node's files: one folder per node, found by the node's
// name rather than by assuming the exact layout.

export function renderedFile(outDir: string, nodeName: string, file: string): string {
  const candidates = [join(outDir, nodeName, file), join(outDir, "nodes", nodeName, file)];
  for (const c of candidates) if (existsSync(c)) return c;
  const found = search(outDir, nodeName, file, 3);
  if (found) return found;
  throw new Error(`aws-ha-gen wrote no ${file} for node ${nodeName} under ${outDir} (found: ${listing(outDir).join(", ") || "nothing"})`);
}

function search(dir: string, nodeName: string, file: string, depth: number): string | undefined {
  if (depth < 0) return undefined;
  for (const entry of safeList(dir)) {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) continue;
    if (entry === nodeName && existsSync(join(path, file))) return join(path, file);
    const deeper = search(path, nodeName, file, depth - 1);
    if (deeper) return deeper;
  }
  return undefined;
}

function listing(dir: string, prefix = "", depth = 2): string[] {
  if (depth < 0) return [];
  return safeList(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? listing(path, `${prefix}${entry}/`, depth - 1) : [`${prefix}${entry}`];
  });
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
