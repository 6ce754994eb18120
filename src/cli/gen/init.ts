import { existsSync } from "node:fs";
import { basename, dirname } from "node:path";
import exampleDescription from "../../../examples/cluster.yaml";
import { usageError } from "../../errors";
import { configMode } from "../../gen/output-files";
import type { GenIo } from "./run";
import { writeFiles } from "../../gen/write-all";

// `aws-ha-gen init`: the commented example from examples/cluster.yaml, bundled as text so the
// single-file CLI carries it. A unit test proves it passes validation.

export function runInit(args: { out?: string; force: boolean }, io: GenIo): void {
  if (args.out === undefined) return io.print(exampleDescription);
  // Refusing is the point: an existing description is the operator's real cluster.
  if (existsSync(args.out) && !args.force)
    throw usageError(`${args.out} already exists; pass --force to overwrite it, or choose another --out`);
  writeFiles(dirname(args.out), [{ path: basename(args.out), content: exampleDescription, mode: configMode }]);
  io.print(`wrote ${args.out}; edit it, then check it with: aws-ha-gen validate --cluster ${args.out}\n`);
}

export { exampleDescription };
