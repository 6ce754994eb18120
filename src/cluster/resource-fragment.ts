import type { z } from "zod";
import type { ConfigProblem } from "../errors";
import type { ClusterDescription } from "./schema";

// A kind's part of the description model, kept in the kind's folder (src/kinds/<kind>/schema.ts):
// its schema, and what the description as a whole must hold for resources of that kind. Loading a
// description judges both, so both sit in the description's layer, below everything that acts.

/** One resource of the description and where it is, `resources[3]`, for the problem's path. */
export interface Placed<S> {
  spec: S;
  at: string;
}

export interface ResourceFragment<Schema extends z.ZodType> {
  readonly schema: Schema;
  /** What the rest of the description must agree with, beyond each resource's own fields. */
  problems(d: ClusterDescription, mine: readonly Placed<z.infer<Schema>>[]): ConfigProblem[];
}
