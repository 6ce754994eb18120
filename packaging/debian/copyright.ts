import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

// /usr/share/doc/aws-ha/copyright in Debian's machine-readable format (copyright-format 1.0).
// Each command is one file with its dependencies inside, so the file names, beside aws-ha's own
// Apache-2.0, every package the bundles may contain: the closure of the packages src/ imports, as
// package-lock.json resolves them, each with its licence and the copyright lines of its LICENSE.

/** The packages src/ imports at run time; esbuild bundles them and what they depend on. */
export const bundledRoots = [
  "@aws-sdk/client-ec2",
  "@smithy/node-http-handler",
  "eta",
  "yaml",
  "yargs",
  "zod",
  "@aws-sdk/client-route-53",
] as const;

/** npm's SPDX identifiers → the short names Debian's format uses. */
const debianLicenseName: Record<string, string> = { MIT: "Expat", ISC: "ISC", "0BSD": "0BSD", "Apache-2.0": "Apache-2.0" };

export interface BundledPackage {
  name: string;
  /** Where npm installs it, e.g. node_modules/wrap-ansi/node_modules/string-width: a name may occur in several versions. */
  path: string;
  version: string;
  /** Debian's short name of its licence. */
  license: string;
  copyright: string[];
}

interface LockEntry {
  version?: string;
  license?: string;
  dependencies?: Record<string, string>;
}

/** Every package a root depends on, found the way Node resolves it from the lock's node_modules paths. */
export function bundledPackages(repoRoot: string): BundledPackage[] {
  const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const resolve = (from: string, name: string): string => {
    for (let dir = from; ;) {
      const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
      if (lock.packages[candidate]) return candidate;
      if (!dir) throw new Error(`package-lock.json does not resolve ${name} from ${from || "the root"}: run npm ci`);
      const up = dir.lastIndexOf("/node_modules/");
      dir = up < 0 ? "" : dir.slice(0, up);
    }
  };
  const found = new Map<string, LockEntry>();
  const queue = bundledRoots.map((root) => resolve("", root));
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (found.has(path)) continue;
    const entry = lock.packages[path]!;
    found.set(path, entry);
    for (const dependency of Object.keys(entry.dependencies ?? {})) queue.push(resolve(path, dependency));
  }
  return [...found]
    .map(([path, entry]) => {
      const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
      const license = debianLicenseName[entry.license ?? ""];
      if (!license) throw new Error(`${name} is licensed "${entry.license}", which the package's copyright file has no text for`);
      return { name, path, version: entry.version ?? "", license, copyright: copyrightLines(join(repoRoot, path), name) };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** "Copyright (c) 2025 Colin McDonnell" lines of its LICENSE, else its author from package.json. */
function copyrightLines(dir: string, name: string): string[] {
  const licenseFile = existsSync(dir) ? readdirSync(dir).find((f) => /^licen[cs]e/i.test(f)) : undefined;
  const lines = licenseFile
    ? readFileSync(join(dir, licenseFile), "utf8")
        .split("\n")
        .map((l) => l.trim())
        // A statement ("Copyright (c) 2015, Contributors"), not licence prose that starts with the word.
        .filter((l) => /^Copyright\s+(\(c\)|©|\d{4}|[A-Z])/i.test(l) && /^Copyright/.test(l) && !/\bnotice\b|\bowner\b/i.test(l))
        .map((l) => l.replace(/^copyright\s*(\(c\)|©)?\s*/i, ""))
    : [];
  if (lines.length > 0) return [...new Set(lines)];
  const manifest = join(dir, "package.json");
  const author = existsSync(manifest)
    ? (JSON.parse(readFileSync(manifest, "utf8")) as { author?: string | { name?: string } }).author
    : undefined;
  const authorName = typeof author === "string" ? author : author?.name;
  return [authorName ? authorName : `the authors of ${name}`];
}

export interface CopyrightInput {
  packageName: string;
  /** The year of the release, for aws-ha's own line. */
  year: number;
  bundled: readonly BundledPackage[];
  /** The full texts of the licences Debian does not ship in /usr/share/common-licenses. */
  licenseText: (debianName: string) => string;
}

export function renderCopyright(input: CopyrightInput): string {
  const stanzas: string[] = [
    field("Format", "https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/") +
      field("Upstream-Name", input.packageName) +
      field(
        "Comment",
        "The programs in /usr/bin are single files built with esbuild: besides aws-ha's own code each contains parts of the packages listed below, as npm installs them into node_modules.",
      ),
    field("Files", "*") + field("Copyright", `${input.year} the ${input.packageName} authors`) + field("License", "Apache-2.0"),
  ];
  for (const p of input.bundled) {
    stanzas.push(
      field("Files", `${p.path}/*`) +
        field("Copyright", p.copyright.join("\n")) +
        field("License", p.license) +
        field("Comment", `${p.name} ${p.version}`),
    );
  }
  const licenses = [...new Set(["Apache-2.0", ...input.bundled.map((p) => p.license)])].sort();
  for (const license of licenses) {
    const text =
      license === "Apache-2.0"
        ? "On Debian systems, the complete text of the Apache License, Version 2.0 is in\n/usr/share/common-licenses/Apache-2.0."
        : input.licenseText(license);
    stanzas.push(field("License", `${license}\n${text}`));
  }
  return stanzas.join("\n");
}

/** One field: continuation lines start with a space, an empty line is " .". */
function field(name: string, value: string): string {
  const [first, ...more] = value.split("\n");
  return `${name}: ${first}\n${more.map((l) => (l.trim() === "" ? " .\n" : ` ${l}\n`)).join("")}`;
}
