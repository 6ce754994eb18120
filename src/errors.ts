// Typed errors carry what failed and what the operator must do about it. Only the CLI layer turns
// an error kind into an exit code (see src/cli/exit-codes.ts).

export type ErrorKind =
  | "usage" // bad arguments: exit 2
  | "config" // the cluster description is malformed or inconsistent: exit 2 (OCF 6)
  | "install" // a binary, file or device this node needs is missing: exit 5
  | "permission" // AWS denied an action: exit 4
  | "conflict" // another node holds what we need and will not give it up: exit 1
  | "timeout" // a deadline passed: exit 1
  | "cloud" // EC2 or IMDS failed in a way retries did not cure: exit 1
  | "host"; // mount, fsck, service or hook failed on this machine: exit 1

export class AwsHaError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details: { resource?: string; awsCode?: string; fix?: string } = {},
  ) {
    super(message);
    this.name = "AwsHaError";
  }

  /** One line for stderr and syslog: what failed, then what to do. */
  describe(): string {
    const where = this.details.resource ? `${this.details.resource}: ` : "";
    const fix = this.details.fix ? `; ${this.details.fix}` : "";
    return `${where}${this.message}${fix}`;
  }
}

export class ConfigError extends AwsHaError {
  constructor(
    readonly problems: readonly ConfigProblem[],
    source: string,
  ) {
    super(
      "config",
      `${source}: ${problems.length === 1 ? "1 problem" : `${problems.length} problems`}\n${problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`,
    );
  }
  override describe(): string {
    return this.message;
  }
}

export interface ConfigProblem {
  /** Where in the description, e.g. `nodes[1].address`. */
  path: string;
  message: string;
}

export const usageError = (message: string) => new AwsHaError("usage", message);
