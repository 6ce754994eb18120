import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { commandHelp } from "../../src/cli/gen/help";
import { packageHelperUnit } from "./helper-unit";
import { renderChangelog } from "./changelog";
import { bundledPackages, renderCopyright } from "./copyright";
import { commands, docDir, helperUnit, links, manDir, packageName, type CommandName } from "./layout";
import { renderManPage } from "./man-page";

// Lays out the package's tree in a scratch directory and hands it to dpkg-deb. Ownership is root's
// through --root-owner-group, so neither root nor fakeroot is needed; every mode is set here, not
// left to the umask, and every time is the release's, so the same checkout builds the same .deb.

export interface BuildOptions {
  /** The checkout: package.json, package-lock.json, bin/ (built), README.md, examples/. */
  repoRoot: string;
  /** Where the .deb is written. */
  outDir: string;
  /** "Name <address>". */
  maintainer: string;
  /** The release's time: every file's mtime, the changelog's date. */
  sourceDate: Date;
}

export interface BuiltPackage {
  path: string;
  version: string;
  bytes: number;
}

const here = join("packaging", "debian");

export function buildDeb(o: BuildOptions): BuiltPackage {
  const { version } = JSON.parse(readFileSync(join(o.repoRoot, "package.json"), "utf8")) as { version: string };
  for (const command of commands) {
    if (!existsSync(join(o.repoRoot, "bin", command))) throw new Error(`bin/${command} is not built: run npm run build first`);
  }
  const root = mkdtempSync(join(tmpdir(), "aws-ha-deb-"));
  try {
    const put = (path: string, content: string | Buffer, mode: number) => {
      const at = join(root, path);
      mkdirSync(dirname(at), { recursive: true, mode: 0o755 });
      writeFileSync(at, content);
      chmodSync(at, mode);
    };
    const source = { date: o.sourceDate.toISOString().slice(0, 10), name: `${packageName} ${version}` };

    for (const command of commands) {
      put(`usr/bin/${command}`, readFileSync(join(o.repoRoot, "bin", command)), 0o755);
      const page = renderManPage({
        command,
        help: helpOf(o.repoRoot, command, []),
        ...(command === "aws-ha-gen"
          ? { subcommands: Object.keys(commandHelp).map((name) => ({ name, help: helpOf(o.repoRoot, command, [name]) })) }
          : {}),
        seeAlso: commands.filter((c) => c !== command).map((c) => `${c}(1)`),
        source: source.name,
        date: source.date,
        documentation: `/${docDir}/README.md.gz`,
      });
      put(`${manDir}/${command}.1.gz`, gzip(page), 0o644);
    }

    put(`${docDir}/README.md.gz`, gzip(readFileSync(join(o.repoRoot, "README.md"))), 0o644);
    put(`${docDir}/examples/cluster.yaml`, readFileSync(join(o.repoRoot, "examples", "cluster.yaml")), 0o644);
    put(
      `${docDir}/copyright`,
      renderCopyright({
        packageName,
        year: o.sourceDate.getUTCFullYear(),
        bundled: bundledPackages(o.repoRoot),
        licenseText: (name) => readFileSync(join(o.repoRoot, here, "licenses", name), "utf8").trimEnd(),
      }),
      0o644,
    );
    put(`${docDir}/changelog.gz`, gzip(renderChangelog({ packageName, version, maintainer: o.maintainer, date: o.sourceDate })), 0o644);
    put(helperUnit.path, packageHelperUnit(), 0o644);
    const overrides = join(o.repoRoot, here, "lintian-overrides");
    if (existsSync(overrides)) put(`usr/share/lintian/overrides/${packageName}`, readFileSync(overrides), 0o644);

    for (const link of links) {
      mkdirSync(dirname(join(root, link.path)), { recursive: true, mode: 0o755 });
      symlinkSync(link.target, join(root, link.path));
    }

    const files = walk(root);
    put(
      "DEBIAN/md5sums",
      files
        .filter((f) => f.kind === "file")
        .map((f) => `${md5(join(root, f.path))}  ${f.path}\n`)
        .join(""),
      0o644,
    );
    const installedKiB = files.reduce((sum, f) => sum + (f.kind === "file" ? Math.ceil(f.bytes / 1024) : 1), 0);
    const control = readFileSync(join(o.repoRoot, here, "control.in"), "utf8")
      .replace("@VERSION@", version)
      .replace("@MAINTAINER@", o.maintainer)
      .replace("@INSTALLED_SIZE@", String(installedKiB));
    put("DEBIAN/control", control, 0o644);
    put("DEBIAN/postrm", readFileSync(join(o.repoRoot, here, "postrm")), 0o755);

    // Directories too: the umask of whoever builds must not show in the package.
    const everything = [...walk(root, "", true), { path: "", kind: "dir" }];
    for (const f of everything) if (f.kind === "dir") chmodSync(join(root, f.path), 0o755);
    const seconds = Math.floor(o.sourceDate.getTime() / 1000);
    for (const f of everything) lutimesSync(join(root, f.path), seconds, seconds);

    mkdirSync(o.outDir, { recursive: true });
    const path = join(o.outDir, `${packageName}_${version}_all.deb`);
    execFileSync("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", root, path], {
      env: { ...process.env, SOURCE_DATE_EPOCH: String(seconds) },
      stdio: ["ignore", "ignore", "inherit"],
    });
    return { path, version, bytes: lstatSync(path).size };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * What the built command prints for --help: the man page is made of exactly this text. Without the
 * code cache, which would otherwise be written below the builder's home.
 */
function helpOf(repoRoot: string, command: CommandName, args: string[]): string {
  return execFileSync(process.execPath, [join(repoRoot, "bin", command), ...args, "--help"], {
    encoding: "utf8",
    env: { ...process.env, AWS_HA_CODE_CACHE: "off" },
  });
}

/** Compressed as dh_compress does (gzip -9n): no name, no time, so the bytes depend on the text alone. */
function gzip(content: string | Buffer): Buffer {
  return gzipSync(content, { level: 9 });
}

function md5(path: string): string {
  return createHash("md5").update(readFileSync(path)).digest("hex");
}

interface TreeEntry {
  path: string;
  kind: "file" | "dir" | "link";
  bytes: number;
}

/** Every entry below root, in a stable order; DEBIAN/ (the control files) only when asked. */
function walk(root: string, below = "", withControl = false): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const name of readdirSync(join(root, below)).sort()) {
    const path = below ? `${below}/${name}` : name;
    if (path === "DEBIAN" && !withControl) continue;
    const stat = lstatSync(join(root, path));
    if (stat.isDirectory()) entries.push({ path, kind: "dir", bytes: 0 }, ...walk(root, path, withControl));
    else entries.push({ path, kind: stat.isSymbolicLink() ? "link" : "file", bytes: stat.size });
  }
  return entries;
}
