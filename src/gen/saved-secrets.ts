import { resolve } from "node:path";
import { currentUid, describeProblem, fixesFor, octal, walkPath } from "../cluster/file-trust";
import { maxDescriptionBytes, readBoundedText } from "../cluster/read-bounded";
import type { ClusterDescription } from "../cluster/schema";
import { AwsHaError } from "../errors";
import { formatSavedSecrets, parseSavedSecrets, resolveSecrets, type ClusterSecrets } from "./secrets";
import { secretMode, type OutputFile } from "./output-files";

// The secrets a render needs, and the file that keeps the generated ones. The values go into the
// rendered files only: no message on stdout or stderr ever contains them.

export interface SecretsPlan {
  secrets: ClusterSecrets;
  /** The secrets file to write with the rest, when something new was generated. */
  file?: OutputFile;
  /** What was generated, by name, for the summary line. */
  generated: string[];
}

const descriptionKeys: Record<keyof ClusterSecrets, string> = {
  vrrpAuthPass: "keepalived.authPass",
  heartbeatAuthKey: "heartbeat.authKey",
};

/**
 * `store` keeps generated secrets; undefined when the output goes to stdout and there is nowhere to
 * keep them, which matters only for a secret that output `uses`.
 */
export function planSecrets(d: ClusterDescription, store: string | undefined, uses?: readonly (keyof ClusterSecrets)[]): SecretsPlan {
  const saved = store ? readSaved(store) : undefined;
  const { secrets, toSave } = resolveSecrets(d, saved);
  if (!toSave) return { secrets, generated: [] };
  const generated = (Object.keys(descriptionKeys) as (keyof ClusterSecrets)[]).filter(
    (k) => toSave[k] !== undefined && saved?.[k] === undefined,
  );
  if (!store) {
    const lost = generated.filter((k) => uses?.includes(k) ?? true).map((k) => descriptionKeys[k]);
    if (lost.length > 0)
      throw new AwsHaError(
        "config",
        `${lost.join(" and ")} ${lost.length > 1 ? "are" : "is"} not set, and a generated value printed here would differ on every run`,
        {
          fix: "set it in the description, or pass --out FILE (the generated value is kept next to it in .secrets.json) or --secrets FILE",
        },
      );
    return { secrets, generated: [] };
  }
  const file = { path: resolve(store), content: formatSavedSecrets(toSave), mode: secretMode };
  return { secrets, generated: generated.map((k) => descriptionKeys[k]), file };
}

/**
 * The secrets an earlier run kept, or undefined when there are none yet. Whatever is in the file
 * goes into every node's authkeys and keepalived.conf, so a file another user could have planted or
 * read is refused, not used: it must be this user's (or root's), reachable only through directories
 * nobody else can change, and readable by its owner alone.
 */
function readSaved(path: string): ClusterSecrets | undefined {
  refuseUntrustedSecrets(path, currentUid());
  let text: string;
  try {
    text = readBoundedText(path, {
      what: "the saved secrets",
      maxBytes: maxDescriptionBytes,
      fix: "point --secrets at the .secrets.json an earlier aws-ha-gen run wrote, or delete it to generate new secrets",
    });
  } catch (e) {
    if (e instanceof AwsHaError) throw e;
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new AwsHaError("config", `cannot read the saved secrets ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
      fix: "run aws-ha-gen as the user that wrote it (the file is mode 0600)",
    });
  }
  return parseSavedSecrets(text, path);
}

function refuseUntrustedSecrets(path: string, uid: number): void {
  const walked = walkPath(path, uid);
  const problems = [...walked.problems];
  const file = walked.target;
  // keepalived's rules judge writing; a secret must not be readable by anyone else either.
  const modeJudged = problems.some((p) => p.path === file?.path && p.cause !== "owner");
  if (file && !modeJudged && file.entry.mode & 0o077)
    problems.push({
      path: file.path,
      kind: "file",
      cause: "others",
      issue: `is readable or writable by group or others (mode ${octal(file.entry.mode)})`,
    });
  if (problems.length === 0) return;
  const owner = uid === 0 ? "root:root" : String(uid);
  const fixes = fixesFor(problems, file?.path ?? path, secretMode, owner);
  throw new AwsHaError(
    "config",
    `the saved secrets ${path} could have been planted or read by another user, and they would go into every node's configuration: ${problems.map(describeProblem).join(", ")}`,
    { fix: `${fixes.join("; ")} (or delete it to generate new secrets, then install the new files on every node at once)` },
  );
}
