import { chmodSync, lstatSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { AwsHaError } from "../errors";
import { makeDirectory, MakeDirectoryError } from "../host/make-directory";
import type { OutputFile } from "./output-files";

// All or nothing: every file is first written beside its destination under a temporary name, and
// only when all of them are on disk are they renamed into place. A failure while staging removes
// what was staged, including directories made for it, so the output directory is left as it was.

export function writeFiles(outDir: string, files: readonly OutputFile[]): string[] {
  const staged: { temp: string; final: string }[] = [];
  const madeDirs: string[] = [];
  try {
    for (const file of files) {
      const final = resolve(outDir, file.path);
      madeDirs.push(...makeDirectory(dirname(final), 0o755));
      // A directory in the way would only fail at the rename, after other files were replaced.
      if (lstatSync(final, { throwIfNoEntry: false })?.isDirectory())
        throw Object.assign(new Error("is a directory"), { code: "EISDIR", path: final });
      const temp = `${final}.aws-ha-gen-${process.pid}.tmp`;
      staged.push({ temp, final });
      // The mode is set before any content can be read: authkeys and the secrets are never world-readable.
      writeFileSync(temp, "", { mode: file.mode, flag: "wx" });
      chmodSync(temp, file.mode);
      writeFileSync(temp, file.content);
    }
  } catch (e) {
    for (const { temp } of staged) tryTo(() => unlinkSync(temp));
    // Deepest first: each made directory is empty once the staged files are gone.
    for (const dir of madeDirs.sort((a, b) => b.length - a.length)) tryTo(() => rmdirSync(dir));
    throw writeError(e);
  }
  for (const { temp, final } of staged) {
    try {
      renameSync(temp, final);
    } catch (e) {
      for (const { temp: left } of staged) tryTo(() => unlinkSync(left));
      throw writeError(e);
    }
  }
  return staged.map((s) => s.final);
}

function writeError(e: unknown): AwsHaError {
  const err = e as NodeJS.ErrnoException;
  const what = e instanceof MakeDirectoryError ? e.message : `cannot write ${err.path ?? "the output"}: ${err.code ?? err.message}`;
  return new AwsHaError("host", `${what}; nothing was written`, {
    fix: "choose an --out directory this user can write",
  });
}

function tryTo(action: () => void): void {
  try {
    action();
  } catch {
    // best effort: the original error is the one to report
  }
}
