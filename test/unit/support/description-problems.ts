import { stringify } from "yaml";
import { parseClusterDescription } from "../../../src/cluster/parse";
import type { ClusterDescription } from "../../../src/cluster/schema";
import { ConfigError, type ConfigProblem } from "../../../src/errors";

// Descriptions written as plain objects in a test, read the way every command reads the file: as
// YAML, parsed and validated. A scenario edits a fresh copy of its base description, so no test
// sees another's change.

export type Description = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A fresh `base()` with `change` applied. */
export function changed(base: () => Description, change: (d: Description) => void = () => undefined): Description {
  const d = base();
  change(d);
  return d;
}

/** The description as the commands get it. */
export function parseDescription(d: Description): ClusterDescription {
  return parseClusterDescription(stringify(d), "cluster.yaml");
}

/** The problems validation finds in `d`; an empty list when it accepts it. */
export function problemsIn(d: Description): readonly ConfigProblem[] {
  try {
    parseDescription(d);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

/** The problems validation finds in `d`; throws when it accepts it. */
export function refusalOf(d: Description): readonly ConfigProblem[] {
  const problems = problemsIn(d);
  if (problems.length === 0) throw new Error("the description was accepted");
  return problems;
}
