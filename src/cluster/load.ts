import type { Stats } from "node:fs";
import { refuseUntrustedDescription, refuseUntrustedExecutables } from "./description-trust";
import { currentUid } from "./file-trust";
import { maxDescriptionBytes, readBoundedFile } from "./read-bounded";
import type { ClusterDescription } from "./schema";
import { AwsHaError } from "../errors";

// Reading a description and judging who could have changed it happen on every run; parsing and
// validating it (the YAML parser, the schema, the semantic rules: parse.ts) only when the text is
// new to the cache of validated descriptions. So parse.ts is imported on a miss alone, and a cold
// failover with a known description never evaluates the parser or builds the schema.

export const defaultClusterPath = "/etc/aws-ha/cluster.yaml";

/** `--cluster`, else `AWS_HA_CLUSTER`, else /etc/aws-ha/cluster.yaml. */
export function clusterPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? env.AWS_HA_CLUSTER ?? defaultClusterPath;
}

export interface LoadOptions {
  /**
   * Who besides root may own the description, the directories above it and the commands it names.
   * The default, the user running this process, is right for every command that acts: a file that
   * user owns tells aws-ha nothing that user could not do anyway. `false` for commands that only
   * read the description (rendering, validating an operator's copy), which run nothing it names.
   */
  trustedUid?: number | false;
  /** Validated descriptions kept from earlier runs (built CLIs only); consulted only for a source that passed the trust checks. */
  parsed?: ParsedDescriptions;
}

/** Descriptions validated before, by path and exact text. */
export interface ParsedDescriptions {
  lookup(path: string, text: string): ClusterDescription | undefined;
  store(path: string, text: string, description: ClusterDescription): void;
}

/** Reads, validates and, unless told otherwise, checks who could have changed the description. */
export async function loadClusterDescription(path: string, options: LoadOptions = {}): Promise<ClusterDescription> {
  const trustedUid = options.trustedUid ?? currentUid();
  const { text, stats } = readDescription(path);
  // Judged before parsing: nothing of an untrusted file is parsed, let alone acted on. The path is
  // judged by name after the open, and must lead to the very file read: a file that appeared or
  // was swapped in between (in a sticky directory, say) is not the one judged.
  if (trustedUid !== false) refuseUntrustedDescription(path, trustedUid, stats);
  // A file whose owner is not checked (a read-only command's) is never served from the cache.
  const parsed = trustedUid === false ? undefined : options.parsed;
  let d = parsed?.lookup(path, text);
  if (!d) {
    const { parseClusterDescription } = await import("./parse");
    d = parseClusterDescription(text, path);
    if (parsed) {
      parsed.store(path, text, d);
      // The next run finds it validated: a built CLI's start then keeps the compiled code of that
      // run, not of this one, which holds the parser's (src/build/code-cache-bootstrap.ts).
      (globalThis as { __AWS_HA_PARSED_DESCRIPTION__?: boolean }).__AWS_HA_PARSED_DESCRIPTION__ = true;
    }
  }
  if (trustedUid !== false) refuseUntrustedExecutables(d, path, trustedUid);
  return d;
}

/** The description's text, bounded in size, and what lstat says of the file read. */
export function readDescription(path: string): { text: string; stats: Stats } {
  try {
    return readBoundedFile(path, {
      what: "the cluster description",
      maxBytes: maxDescriptionBytes,
      fix: "point --cluster (or AWS_HA_CLUSTER) at the YAML or JSON file itself",
    });
  } catch (e) {
    if (e instanceof AwsHaError) throw e;
    throw new AwsHaError("config", `cannot read the cluster description ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
      fix: "pass --cluster FILE or set AWS_HA_CLUSTER; `aws-ha-gen init` writes an example",
    });
  }
}
