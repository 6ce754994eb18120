import { clusterPath } from "../../cluster/load";
import { currentUid } from "../../cluster/file-trust";
import type { Ports } from "../../transition/runner";
import { runPreflightChecks, type Finding } from "../../check/run-checks";
import { exitCodeFor, exitCodes } from "../../exit-codes";
import { scriptSecurityProblems } from "../../gen/script-security";
import type { NotifyOptions } from "./args";

const mark: Record<Finding["verdict"], string> = { ok: "ok  ", warn: "warn", fail: "FAIL" };

export async function runPreflight(world: Ports, options: NotifyOptions): Promise<number> {
  const findings = await runPreflightChecks({
    ...world,
    scriptProblems: scriptSecurityProblems,
    // The description was loaded without the trust check, so that this reports it instead.
    trust: { descriptionPath: clusterPath(options.cluster, process.env), trustedUid: currentUid() },
  });
  if (options.json) process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
  else process.stdout.write(findings.map((f) => `${mark[f.verdict]}  ${f.topic}: ${f.message}`).join("\n") + "\n");
  const failures = findings.filter((f) => f.verdict === "fail");
  if (failures.length === 0) return exitCodes.ok;
  return Math.max(...failures.map((f) => exitCodeFor({ kind: f.kind })));
}
