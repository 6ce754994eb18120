// One line of `aws-ha-notify check`. The kinds speak it too: each kind's preflight checks and the
// proofs of its permissions answer in findings, which the check only collects and prints.

export type Verdict = "ok" | "warn" | "fail";

export interface Finding {
  verdict: Verdict;
  topic: string;
  message: string;
  /** The error kind behind a failure, for the exit code. */
  kind?: string;
}
