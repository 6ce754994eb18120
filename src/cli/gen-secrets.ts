import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ClusterDescription } from "../cluster/schema";
import { AwsHaError } from "../errors";
import { formatSavedSecrets, parseSavedSecrets, resolveSecrets, type ClusterSecrets } from "../gen/secrets";
import { secretMode, type OutputFile } from "./gen-files";

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

function readSaved(path: string): ClusterSecrets | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new AwsHaError("config", `cannot read the saved secrets ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
      fix: "run aws-ha-gen as the user that wrote it (the file is mode 0600)",
    });
  }
  return parseSavedSecrets(text, path);
}
