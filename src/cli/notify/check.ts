import { currentUid } from "../../cluster/file-trust";
import type { Ports } from "../../transition/runner";
import { runPreflightChecks, type Finding } from "../../check/run-checks";
import { worstExitCode } from "../../exit-codes";
import { scriptSecurityProblems } from "../../gen/script-security";
import type { NotifyOptions } from "./args";

const mark: Record<Finding["verdict"], string> = { ok: "ok  ", warn: "warn", fail: "FAIL" };

/** `aws-ha-notify check`: every finding on a line of its own; the exit code of the worst failure. */
export async function runPreflight(ports: Ports, options: NotifyOptions, descriptionPath: string): Promise<number> {
  const findings = await runPreflightChecks({
    ...ports,
    scriptProblems: scriptSecurityProblems,
    // The description was loaded without the trust check, so that this reports it instead.
    trust: { descriptionPath, trustedUid: currentUid() },
  });
  if (options.json) process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
  else process.stdout.write(findings.map((f) => `${mark[f.verdict]}  ${f.topic}: ${f.message}`).join("\n") + "\n");
  return worstExitCode(findings.filter((f) => f.verdict === "fail").map((f) => ({ kind: f.kind })));
}
