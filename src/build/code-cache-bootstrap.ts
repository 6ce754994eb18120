import { lstatSync, readdirSync, unlinkSync } from "node:fs";
import { basename, join } from "node:path";
import process from "node:process";
import { Script, type ScriptOptions } from "node:vm";
import { makeDirectory } from "../host/make-directory";
import { cacheRoot, ownedAlone, readOwnedFile, writeOwnedFile } from "../host/owner-only-files";
import { bundleOf } from "./bundle-comment";
import { monotonicMs } from "../time/monotonic";

// The start of every built CLI. The real bundle travels inside this file (in a comment at its end); compiling it
// through vm.Script lets V8 reuse the bytecode a previous run left in the cache directory instead of
// parsing and compiling ~1.5 MB of JavaScript on every failover. Whatever goes wrong with the cache,
// the command runs exactly as without it: the cache is an optimisation, never a reason to fail, and
// nothing here ever writes to stdout (the LSB/OCF status channel).

declare const __AWS_HA_BUNDLE_HASH__: string;
/** Its body is the comment that holds the bundle (embed.ts put it at the end of this very file). */
declare function __AWS_HA_BUNDLE_TEXT__(): void;

/** The bundle, wrapped as a module: V8 has the file's text already, and a function's source is a view of it, not a copy. */
function wrappedBundle(): string {
  return bundleOf(Function.prototype.toString.call(__AWS_HA_BUNDLE_TEXT__));
}

type Outcome = "off" | "hit" | "miss" | "rejected" | "refused";

const debugging = process.env.AWS_HA_CODE_CACHE_DEBUG === "1";
const say = (line: string) => {
  if (debugging) process.stderr.write(`code cache: ${line}\n`);
};

// Only a place nobody else can write is trusted: bytecode from there runs as this user (root on a
// cluster node), so a cache another user could swap would be a way in.
const trusted = (stats: { uid: number; mode: number }) => ownedAlone(stats, 0o022);

function openDir(dir: string): boolean {
  try {
    // Not mkdir's recursive mode, which spins for ever below /proc: the cache must never hang a run.
    makeDirectory(dir, 0o700);
    const stats = lstatSync(dir);
    return stats.isDirectory() && trusted(stats);
  } catch {
    return false;
  }
}

// Written beside the final name and renamed over it, so a concurrent run reads the old cache or the
// new one, never half of one. The CLI's caches of other builds, of every kind of run, go with it, and
// those of its own kind of run under another Node.js version.
function writeCache(dir: string, file: string, data: Buffer) {
  try {
    writeOwnedFile(file, data);
    say(`written ${file}`);
  } catch (error) {
    say(`not written: ${(error as Error).message}`);
    return;
  }
  const cli = `${basename(__filename)}-`;
  const prefix = `${cli}${profile()}-`;
  // CLI-PROFILE-BUILD-NODE-ARCH.cache: a build's hash is the third field from the end.
  const ofOtherBuild = (name: string) => name.startsWith(cli) && name.split("-").at(-3) !== __AWS_HA_BUNDLE_HASH__;
  for (const name of readdirSync(dir)) {
    if (name.endsWith(".cache") && join(dir, name) !== file && (name.startsWith(prefix) || ofOtherBuild(name))) {
      try {
        unlinkSync(join(dir, name));
      } catch {
        // another run removed it first
      }
    }
  }
}

// A run compiles only the functions it calls, and a cache that V8 accepts is never rewritten, so a
// --help run must not leave the cache a failover then uses: each kind of run keeps its own file
// (help; looks such as status, show, check and dry runs; the rest, which act).
// V8 rejects a cache made under other V8 flags, so a process started with flags of its own (the
// resident helper's unit: node --lite-mode …) keeps its own file too, instead of each rewriting
// the other's on every start.
function profile(): string {
  const args = process.argv.slice(2);
  const kind =
    args.length === 0 || args.some((a) => a === "--help" || a === "-h" || a === "--version")
      ? "help"
      : lookWords.has(args[0]!.toLowerCase()) || args.includes("--dry-run")
        ? "look"
        : "run";
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].join(" ").trim();
  return flags === "" ? kind : `${kind}flags${fnv1a(flags)}`;
}

/** First words of commands that only look (LSB and OCF status and monitor included). */
const lookWords = new Set(["status", "show", "history", "check", "monitor", "meta-data", "validate-all", "metadata", "list"]);

/** A short name for a set of flags (FNV-1a, 32 bits): no crypto module on the way to the bundle. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, "0");
}

function compile(): Script {
  const source = wrappedBundle();
  const options: ScriptOptions = { filename: __filename };
  if (process.env.AWS_HA_CODE_CACHE === "off") {
    say("off");
    return new Script(source, options);
  }
  let outcome: Outcome = "refused";
  let script: Script | undefined;
  let dir = "";
  let file = "";
  try {
    dir = cacheRoot();
    if (openDir(dir)) {
      file = join(dir, `${basename(__filename)}-${profile()}-${__AWS_HA_BUNDLE_HASH__}-${process.version}-${process.arch}.cache`);
      const cachedData = readOwnedFile(file, 0o022);
      script = new Script(source, { ...options, cachedData });
      outcome = cachedData === undefined ? "miss" : script.cachedDataRejected ? "rejected" : "hit";
    }
  } catch {
    outcome = "refused";
  }
  say(outcome === "refused" ? `refused ${dir}` : outcome);
  if (script === undefined) return new Script(source, options);
  if (outcome === "miss" || outcome === "rejected") {
    const compiled = script;
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      try {
        const started = monotonicMs();
        writeCache(dir, file, compiled.createCachedData());
        say(`${Math.round(monotonicMs() - started)} ms to write`);
      } catch {
        // the next run compiles from source again
      }
    };
    // At exit the cache also holds every function this run compiled lazily, which is most of what
    // the next run needs. A synchronous write is the only kind that still happens in 'exit'.
    process.once("exit", () => {
      // Parsing and validating a description is done once per version of the file (the cache of
      // validated descriptions keeps the result): its code in the cache would only slow every later
      // start down, so the next run, which finds the description validated, writes the cache. (A
      // command that parses on every run, aws-ha-gen or check, keeps its cache as it is.)
      if ((globalThis as { __AWS_HA_PARSED_DESCRIPTION__?: boolean }).__AWS_HA_PARSED_DESCRIPTION__) {
        say("not written: this run parsed the description");
        return;
      }
      write();
    });
    // A resident process (the FIFO reader, the helper) is killed rather than left to exit: it asks
    // for the write itself once it has handled an event (src/host/compiled-code.ts), whether or not
    // it parsed the description when it started: it starts seldom, and every event it runs gains.
    (globalThis as { __AWS_HA_KEEP_COMPILED_CODE__?: () => void }).__AWS_HA_KEEP_COMPILED_CODE__ = write;
  }
  return script;
}

/** Compiles the bundle (with the cache when it can) and runs it as this file's module. */
export function startBundle(): void {
  // Names this build to caches of the bundle's own (src/session/description-cache.ts).
  (globalThis as { __AWS_HA_BUILD__?: string }).__AWS_HA_BUILD__ = __AWS_HA_BUNDLE_HASH__;
  (compile().runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, __filename, __dirname);
}
