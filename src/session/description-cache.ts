import { createHash } from "node:crypto";
import { lstatSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { ParsedDescriptions } from "../cluster/load";
import type { ClusterDescription } from "../cluster/schema";
import { makeDirectory } from "../host/make-directory";
import { cacheRoot, ownedAlone, readOwnedFile, writeOwnedFile } from "../host/owner-only-files";

// Parsing the YAML and validating it against the schema is a good part of every cold failover's own
// work, and the description rarely changes. A built CLI keeps the validated result of each version
// of the file, named by a hash of the build, the path and the exact text: a changed file (one byte)
// or a new build is a miss and is parsed and validated in full. It is used only after the source
// passed the owner and permission checks, which run on every load, as do those of the commands the
// description names. The cache lives where only this user can write (root: /var/cache/aws-ha), in
// files only this user can read (the description may hold the VRRP password). Whatever goes wrong
// with it, the description is parsed as without it: it is never a reason to fail.

/** Entries of other paths kept besides the one just written. */
const keptOthers = 15;

// The description may hold the VRRP password: nobody else may even read the entries.
const trusted = (stats: { uid: number; mode: number }) => ownedAlone(stats, 0o077);

/** The cache of validated descriptions for this build; undefined when not running from a built CLI, or turned off. */
export function descriptionCache(env: NodeJS.ProcessEnv): ParsedDescriptions | undefined {
  // Set by the built CLI's start (src/build/code-cache-bootstrap.ts): the hash of its bundle.
  const build = (globalThis as { __AWS_HA_BUILD__?: string }).__AWS_HA_BUILD__;
  if (!build || env.AWS_HA_CODE_CACHE === "off") return undefined;
  const dir = join(cacheRoot(env), "descriptions");
  const prefixOf = (path: string) => createHash("sha256").update(path).digest("hex").slice(0, 16);
  const fileOf = (path: string, text: string) =>
    join(dir, `${prefixOf(path)}-${createHash("sha256").update(`${build}\0${path}\0${text}`).digest("hex").slice(0, 40)}.json`);
  return {
    lookup(path, text) {
      try {
        return readTrusted(fileOf(path, text));
      } catch {
        return undefined;
      }
    },
    store(path, text, description) {
      try {
        const json = JSON.stringify(description);
        // Only what comes back exactly as validated is kept.
        if (!isDeepStrictEqual(JSON.parse(json), description)) return;
        makeDirectory(dir, 0o700);
        const stats = lstatSync(dir);
        if (!stats.isDirectory() || !trusted(stats)) return;
        const file = fileOf(path, text);
        writeOwnedFile(file, json);
        // Older versions of the same file go, and the oldest of other files beyond a few (a node
        // has one description; a test machine may pass many paths).
        const prefix = `${prefixOf(path)}-`;
        const others: { name: string; mtime: number }[] = [];
        for (const name of readdirSync(dir)) {
          if (!name.endsWith(".json") || join(dir, name) === file) continue;
          if (name.startsWith(prefix)) unlinkSync(join(dir, name));
          else others.push({ name, mtime: lstatSync(join(dir, name)).mtimeMs });
        }
        others.sort((a, b) => b.mtime - a.mtime);
        for (const { name } of others.slice(keptOthers)) unlinkSync(join(dir, name));
      } catch {
        // the next run parses again
      }
    },
  };
}

function readTrusted(file: string): ClusterDescription | undefined {
  const dir = lstatSync(join(file, ".."));
  if (!dir.isDirectory() || !trusted(dir)) return undefined;
  const text = readOwnedFile(file, 0o077);
  return text === undefined ? undefined : (JSON.parse(text.toString("utf8")) as ClusterDescription);
}
