import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Plugin } from "esbuild";

// Each AWS SDK client keeps the schemas of all its operations in one module, dist-es/schemas/schemas_0.js:
// for EC2 some 3 400 declarations, 1.3 MB of source. esbuild keeps every one of them, because their
// object literals use computed keys ({ [_LN]: _TS }), which it must assume could run code. Every
// cold failover then read, compiled (or loaded from the code cache) and evaluated all of EC2's API to
// make a handful of calls. This plugin keeps only the declarations that the operations aws-ha sends
// reach, through the module's own references: the rest can be dropped safely, as these declarations
// only build arrays and strings. An operation used but not kept would be a missing export, which
// esbuild reports as a build error, never a failure at run time.

const schemasModule = /[\\/]node_modules[\\/]@aws-sdk[\\/](client-[^\\/]+)[\\/]dist-es[\\/]schemas[\\/]schemas_0\.js$/;
const declaration = /^(?:export )?(?:var|const|let) ([A-Za-z_$][\w$]*) =/;

/** The top-level statements of a schemas module: each starts at column 0; continuation lines are indented or close a bracket. */
function statementsOf(text: string): string[] {
  const statements: string[] = [];
  for (const line of text.split("\n")) {
    if (statements.length > 0 && (line === "" || /^[\s\])}]/.test(line))) statements[statements.length - 1] += `\n${line}`;
    else statements.push(line);
  }
  return statements;
}

function identifiersIn(statement: string): string[] {
  return statement.replace(/"(?:[^"\\\n]|\\.)*"/g, '""').match(/[A-Za-z_$][\w$]*/g) ?? [];
}

/** The module with only the declarations `roots` reach, and every statement that declares nothing (imports, registrations). */
export function shakeSchemas(text: string, roots: Iterable<string>): string {
  const statements = statementsOf(text);
  const declared = new Map<string, number>();
  statements.forEach((s, i) => {
    const name = declaration.exec(s)?.[1];
    if (name) declared.set(name, i);
  });
  const kept = new Set<number>();
  const queue: number[] = [];
  const keep = (i: number) => {
    if (kept.has(i)) return;
    kept.add(i);
    queue.push(i);
  };
  statements.forEach((s, i) => {
    if (!declaration.test(s)) keep(i);
  });
  for (const name of roots) {
    const i = declared.get(name);
    if (i !== undefined) keep(i);
  }
  while (queue.length > 0)
    for (const name of identifiersIn(statements[queue.pop()!]!)) {
      const i = declared.get(name);
      if (i !== undefined) keep(i);
    }
  return statements.filter((_, i) => kept.has(i)).join("\n");
}

/** Names a module imports from the schemas module, read from its source. */
function schemaImportsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"\.\.?\/(?:schemas\/)?schemas_0"/g)].flatMap((m) =>
    m[1]!
      .split(",")
      .map((n) => n.trim().split(/\s+as\s+/)[0]!)
      .filter(Boolean),
  );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/**
 * What the bundle needs of a client's schemas: what its runtime configuration and models import,
 * and the operation schema of each command our sources import from the client.
 */
function rootsOf(client: string, sources: readonly string[]): Set<string> {
  const distEs = resolve("node_modules/@aws-sdk", client, "dist-es");
  const roots = new Set<string>();
  for (const file of readdirSync(distEs))
    if (file.endsWith(".js") && file !== "index.js") schemaImportsOf(join(distEs, file)).forEach((n) => roots.add(n));
  const pattern = new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*"@aws-sdk/${client}"`, "g");
  for (const source of sources)
    for (const m of readFileSync(source, "utf8").matchAll(pattern))
      for (const name of m[1]!.split(",").map((n) => n.trim().split(/\s+as\s+/)[0]!))
        if (name.endsWith("Command") && existsSync(join(distEs, "commands", `${name}.js`)))
          schemaImportsOf(join(distEs, "commands", `${name}.js`)).forEach((n) => roots.add(n));
  return roots;
}

export const sdkSchemaShake: Plugin = {
  name: "sdk-schema-shake",
  setup(build) {
    const sources = sourceFiles(resolve("src"));
    const roots = new Map<string, Set<string>>();
    build.onLoad({ filter: schemasModule }, (args) => {
      const client = schemasModule.exec(args.path)![1]!;
      if (!roots.has(client)) roots.set(client, rootsOf(client, sources));
      return { contents: shakeSchemas(readFileSync(args.path, "utf8"), roots.get(client)!), loader: "js" };
    });
  },
};
