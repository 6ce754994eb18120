import { statSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, expectSuccess, timedRun } from "./timed-process";

// Figure 5: what a CLI costs before it does anything: `--help` of each bundle against bare
// `node -e 0`, taken in turns so that a busy moment of the machine hits all of them alike.

export interface ColdStartFigures {
  node: number[];
  clis: { name: string; samples: number[]; bytes: number }[];
}

export const cliNames = ["aws-ha-notify", "aws-ha-gen", "aws-ha-updateeip"] as const;

export async function benchColdStart(binDir: string, runs: number): Promise<ColdStartFigures> {
  const env = cleanEnv();
  const node: number[] = [];
  const clis = cliNames.map((name) => ({ name, samples: [] as number[], bytes: statSync(join(binDir, name)).size }));
  for (let i = 0; i <= runs; i++) {
    const bare = expectSuccess(await timedRun([process.execPath, "-e", "0"], { env }), "node -e 0");
    if (i > 0) node.push(bare.ms);
    for (const cli of clis) {
      const run = expectSuccess(await timedRun([process.execPath, join(binDir, cli.name), "--help"], { env }), `${cli.name} --help`);
      if (i > 0) cli.samples.push(run.ms);
    }
  }
  return { node, clis };
}
